// Extends the generated config (.config/webpack) without editing it: see
// https://grafana.com/developers/plugin-tools/how-to-guides/extend-configurations#extend-the-webpack-config
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import { copyFilePatterns } from './.config/bundler/copyFiles.ts';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

// Files outside src/ that the generated config copies and fails on when absent: tolerate their
// absence so a fresh checkout still builds (the webpack context is src/).
const OPTIONAL_FILES = new Set(['../README.md', '../LICENSE', '../CHANGELOG.md']);

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  const plugins = (baseConfig.plugins ?? []).filter((plugin) => !(plugin instanceof CopyWebpackPlugin));

  return merge(
    { ...baseConfig, plugins },
    {
      plugins: [
        new CopyWebpackPlugin({
          patterns: [
            ...copyFilePatterns.map((pattern) =>
              OPTIONAL_FILES.has(pattern.from) ? { ...pattern, noErrorOnMissing: true } : pattern
            ),
            // Bundled dashboards, listed in plugin.json "includes".
            { from: '../dashboards/*.json', to: 'dashboards/[name][ext]', noErrorOnMissing: true },
          ],
        }),
      ],
    }
  );
};

export default config;
