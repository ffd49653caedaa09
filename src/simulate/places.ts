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
    ips: ['156.243.211.137', '109.123.120.149', '40.239.3.61', '23.214.142.93', '2a02:c7f::1'],
  },
  {
    name: 'Paris',
    country: 'FR',
    continent: 'EU',
    lat: 48.86,
    lon: 2.35,
    utc: 1,
    ips: ['109.28.19.142', '178.248.208.68', '2a01:cb00:1:2::1'],
  },
  {
    name: 'Berlin',
    country: 'DE',
    continent: 'EU',
    lat: 52.52,
    lon: 13.4,
    utc: 1,
    ips: ['46.165.237.34', '153.97.123.129'],
  },
  {
    name: 'Madrid',
    country: 'ES',
    continent: 'EU',
    lat: 40.42,
    lon: -3.7,
    utc: 1,
    ips: ['194.48.140.141', '83.38.98.14', '213.37.17.138', '80.28.18.87'],
  },
  {
    name: 'New York',
    country: 'US',
    continent: 'NA',
    lat: 40.71,
    lon: -74.0,
    utc: -5,
    ips: ['209.200.23.130', '134.74.235.46', '150.108.61.8', '74.73.109.213'],
  },
  {
    name: 'Chicago',
    country: 'US',
    continent: 'NA',
    lat: 41.88,
    lon: -87.63,
    utc: -6,
    ips: ['98.34.33.121', '207.122.248.199', '73.44.232.230'],
  },
  {
    name: 'Toronto',
    country: 'CA',
    continent: 'NA',
    lat: 43.65,
    lon: -79.38,
    utc: -5,
    ips: ['173.35.8.191', '207.219.128.21', '174.93.9.10', '142.115.154.32'],
  },
  {
    name: 'Tokyo',
    country: 'JP',
    continent: 'AS',
    lat: 35.68,
    lon: 139.69,
    utc: 9,
    ips: ['122.220.94.202', '210.146.51.94', '221.132.175.131', '133.200.21.184'],
  },
  {
    name: 'Seoul',
    country: 'KR',
    continent: 'AS',
    lat: 37.57,
    lon: 126.98,
    utc: 9,
    ips: ['211.34.232.40', '222.110.237.119', '14.138.37.166'],
  },
  {
    name: 'Singapore',
    country: 'SG',
    continent: 'AS',
    lat: 1.35,
    lon: 103.82,
    utc: 8,
    ips: ['49.245.28.127', '121.7.127.109', '166.108.217.98'],
  },
  {
    name: 'Sydney',
    country: 'AU',
    continent: 'OC',
    lat: -33.87,
    lon: 151.21,
    utc: 10,
    ips: ['114.198.25.48', '61.29.25.53', '1.43.87.168', '101.190.217.250'],
  },
  {
    name: 'São Paulo',
    country: 'BR',
    continent: 'SA',
    lat: -23.55,
    lon: -46.63,
    utc: -3,
    ips: ['189.18.9.177', '179.160.2.61', '177.141.20.22', '189.69.187.1'],
  },
];

/** Mobile carriers: GeoLite2 knows only the country (radius 500–1,000 km), and the address changes often. */
export const MOBILE: Readonly<Record<string, readonly string[]>> = {
  US: ['153.2.60.24', '56.244.167.97'],
  AU: ['101.169.23.41', '144.133.245.207'],
  JP: ['180.18.95.75', '153.205.191.160', '115.176.215.40'],
  FR: ['148.143.54.9', '90.124.42.204'],
  BR: ['201.56.209.106', '179.76.200.34'],
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
    '45.155.205.233',
    '5.255.255.5',
    '102.89.32.1',
    '189.130.225.155',
    '106.209.145.152',
    '105.247.77.40',
  ],
  botnet: ['185.220.101.5', '185.220.101.7', '45.155.205.10', '194.26.29.11', '91.240.118.20'],
} as const;
