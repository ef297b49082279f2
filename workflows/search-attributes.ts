import type { defineSearchAttributeKey } from '@temporalio/common';

/** The SDK's key type, named through its public entry point (the type itself is not exported there). */
type KeywordKey = ReturnType<typeof defineSearchAttributeKey<'KEYWORD'>>;

/**
 * Custom search attributes, registered on the Temporal server (the dev server gets them as
 * --search-attribute flags; production uses `temporal operator search-attribute create`). They
 * let GET /jobs and operators filter jobs, e.g. ExportStatus="Failed" in the Web UI.
 * Plain objects with a type-only import, so workflow code needs nothing beyond @temporalio/workflow.
 */
const keyword = (name: string): KeywordKey => ({ name, type: 'KEYWORD' });

export const ExportName = keyword('ExportName');
export const ExportStatus = keyword('ExportStatus');
export const DestinationType = keyword('DestinationType');
export const ExportOwner = keyword('ExportOwner');

export const searchAttributeDefinitions: Readonly<Record<string, 'Keyword'>> = {
  ExportName: 'Keyword',
  ExportStatus: 'Keyword',
  DestinationType: 'Keyword',
  ExportOwner: 'Keyword',
};
