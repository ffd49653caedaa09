/**
 * Where simulated users are. Every address is one GeoLite2 places in that city with a radius of
 * 50 km or less (checked against geoip-lite's data), so enrichment sees what it would see in life.
 */
export interface City {
  readonly name: string;
  readonly country: string;
  readonly continent: string;
  readonly lat: number;
  readonly lon: number;
  /** Hours from UTC, for working hours. */
  readonly utc: number;
  readonly ips: readonly string[];
}

export const CITIES: readonly City[] = [
  {
    name: 'London',
    country: 'GB',
    continent: 'EU',
    lat: 51.51,
    lon: -0.13,
    utc: 0,
    ips: ['62.31.135.224', '79.73.135.139', '77.242.199.136', '46.193.231.64', '2a02:6b60:8000::1'],
  },
  {
    name: 'Paris',
    country: 'FR',
    continent: 'EU',
    lat: 48.86,
    lon: 2.35,
    utc: 1,
    ips: ['109.28.19.142', '79.81.7.115', '2a01:cb00:1:2::1'],
  },
  {
    name: 'Berlin',
    country: 'DE',
    continent: 'EU',
    lat: 52.52,
    lon: 13.4,
    utc: 1,
    ips: ['2.202.71.213', '79.192.167.218'],
  },
  {
    name: 'Madrid',
    country: 'ES',
    continent: 'EU',
    lat: 40.42,
    lon: -3.7,
    utc: 1,
    ips: ['37.11.39.193', '81.33.167.165', '213.37.17.138', '83.32.199.198'],
  },
  {
    name: 'New York',
    country: 'US',
    continent: 'NA',
    lat: 40.71,
    lon: -74.0,
    utc: -5,
    ips: ['17.21.103.247', '46.248.135.183', '52.119.71.234', '74.73.109.213'],
  },
  {
    name: 'Chicago',
    country: 'US',
    continent: 'NA',
    lat: 41.88,
    lon: -87.63,
    utc: -6,
    ips: ['24.1.39.222', '45.20.167.244', '64.29.103.180'],
  },
  {
    name: 'Toronto',
    country: 'CA',
    continent: 'NA',
    lat: 43.65,
    lon: -79.38,
    utc: -5,
    ips: ['23.233.71.13', '207.219.128.21', '50.100.71.223', '65.93.103.19'],
  },
  {
    name: 'Tokyo',
    country: 'JP',
    continent: 'AS',
    lat: 35.68,
    lon: 139.69,
    utc: 9,
    ips: ['14.3.71.210', '43.233.135.217', '61.21.135.87', '101.111.71.223'],
  },
  {
    name: 'Seoul',
    country: 'KR',
    continent: 'AS',
    lat: 37.57,
    lon: 126.98,
    utc: 9,
    ips: ['14.32.7.23', '27.1.103.57', '59.5.135.115'],
  },
  {
    name: 'Singapore',
    country: 'SG',
    continent: 'AS',
    lat: 1.35,
    lon: 103.82,
    utc: 8,
    ips: ['49.245.28.127', '121.7.127.109', '27.54.39.182'],
  },
  {
    name: 'Sydney',
    country: 'AU',
    continent: 'OC',
    lat: -33.87,
    lon: 151.21,
    utc: 10,
    ips: ['13.54.7.52', '14.201.39.2', '49.191.7.85', '103.27.199.23'],
  },
  {
    name: 'São Paulo',
    country: 'BR',
    continent: 'SA',
    lat: -23.55,
    lon: -46.63,
    utc: -3,
    ips: ['189.18.9.177', '143.107.7.151', '177.141.20.22', '189.69.187.1'],
  },
];

/** Mobile carriers: GeoLite2 knows only the country (radius 500–1,000 km), and the address changes often. */
export const MOBILE: Readonly<Record<string, readonly string[]>> = {
  US: ['153.2.60.24', '4.0.39.69'],
  AU: ['101.169.23.41', '144.133.245.207'],
  JP: ['1.1.71.93', '14.1.7.120', '115.176.215.40'],
  FR: ['148.143.54.9', '90.124.42.204'],
  BR: ['45.7.39.197', '179.76.200.34'],
  CA: ['50.69.147.104', '142.61.254.170'],
  ES: ['150.241.48.158', '88.30.172.78'],
};

/** The corporate VPN's egress: Amsterdam and Chicago. Configure these as trusted networks. */
export const VPN_EGRESS = {
  cidrs: ['81.4.109.0/24', '38.124.103.0/24'],
  ips: ['81.4.109.58', '38.124.103.53'],
} as const;

/** Where attackers come from: far from most offices, and never an office address. */
export const HOSTILE = {
  logins: [
    '78.37.71.100',
    '81.23.7.125',
    '129.56.199.82',
    '189.130.225.155',
    '106.209.145.152',
    '105.247.77.40',
  ],
  botnet: ['185.220.101.5', '185.220.101.7', '45.155.205.10', '194.26.29.11', '91.240.118.20'],
} as const;
