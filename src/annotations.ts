import { AnnotationQuery } from '@grafana/data';

import { DEFAULT_ANNOTATION_QUERY, FsQuery } from './types';

/**
 * The query an annotation runs: always of kind 'annotations' (the annotation editor edits
 * nothing else), keeping the saved filter. An annotation saved before this plugin had incident
 * annotations, or without a target, gets the default filter.
 */
export function toAnnotationQuery(target: Partial<FsQuery> | undefined): FsQuery {
  return { ...DEFAULT_ANNOTATION_QUERY, ...target, refId: target?.refId || 'Anno', kind: 'annotations', expr: '' };
}

/** Converts a stored annotation to the query the backend runs. */
export function prepareAnnotationQuery(anno: AnnotationQuery<FsQuery>): FsQuery {
  return toAnnotationQuery(anno.target);
}
