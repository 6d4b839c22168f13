// Bundles browser/harness.tsx (the plugin's editors on a plain page) for the browser check.
// Unlike the plugin build, nothing is external: the page has no Grafana to provide React or
// @grafana/ui, so they are bundled.
import path from 'path';
import type { Configuration } from 'webpack';

const config: Configuration = {
  mode: 'development',
  devtool: false,
  context: __dirname,
  entry: './harness.tsx',
  output: { path: path.join(__dirname, 'dist'), filename: 'harness.js' },
  cache: {
    type: 'filesystem',
    cacheDirectory: path.join(__dirname, '..', 'node_modules', '.cache', 'browser-harness'),
  },
  resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs'] },
  module: {
    rules: [
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      // Some ESM packages import without file extensions.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(svg|png|woff2?|ttf|eot)$/, type: 'asset/resource' },
    ],
  },
  performance: { hints: false },
  stats: 'errors-warnings',
};

export default config;
