import type { NextConfig } from 'next';

const config: NextConfig = {
  // Internal packages are consumed from source.
  transpilePackages: ['@studio/shared', '@studio/db', '@studio/datasets', '@studio/ml'],
  // Native or wasm-loading server dependencies stay plain Node requires.
  serverExternalPackages: [
    'sharp',
    'pg',
    '@prisma/adapter-pg',
    're2-wasm',
    'quickjs-emscripten',
    'bullmq',
    'ioredis',
    'yauzl',
    'tar-stream',
  ],
  poweredByHeader: false,
  // `npm test` type-checks every workspace with tsc before building; checking again here only costs time.
  typescript: { ignoreBuildErrors: true },
  experimental: {
    optimizePackageImports: ['@mantine/core', '@mantine/hooks', '@tabler/icons-react'],
  },
  // Browsers ask for /favicon.ico before reading the page's <link rel="icon">.
  async rewrites() {
    return [{ source: '/favicon.ico', destination: '/icon.svg' }];
  },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
    ];
  },
};

export default config;
