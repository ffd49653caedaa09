FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY src ./src
COPY schemas ./schemas
USER node
EXPOSE 9464
ENTRYPOINT ["node", "src/cli/vigil.ts"]
