import { css } from '@emotion/css';
import React from 'react';

import { GrafanaTheme2 } from '@grafana/data';
import { TextArea, useStyles2 } from '@grafana/ui';

interface Props {
  id: string;
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
  /** Called on blur and on Shift+Enter. */
  onRunQuery: () => void;
}

/** A monospace query input (PromQL or LogQL) that runs the query on blur or Shift+Enter; it does not parse the text. */
export function ExprField({ id, value, placeholder, onChange, onRunQuery }: Props) {
  const styles = useStyles2(getStyles);
  const rows = Math.min(Math.max(value.split('\n').length, 2), 12);
  return (
    <TextArea
      id={id}
      className={styles.code}
      rows={rows}
      value={value}
      placeholder={placeholder}
      spellCheck={false}
      onChange={(e) => onChange(e.currentTarget.value)}
      onBlur={onRunQuery}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.shiftKey) {
          e.preventDefault();
          onRunQuery();
        }
      }}
    />
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
