import type { defineSearchAttributeKey, SearchAttributePair } from '@temporalio/common';
import type { ExportJobInput } from './contract';

/** The SDK's key type, named through its public entry point (the type itself is not exported there). */
type KeywordKey = ReturnType<typeof defineSearchAttributeKey<'KEYWORD'>>;
type DatetimeKey = ReturnType<typeof defineSearchAttributeKey<'DATETIME'>>;

/** Set by Temporal on every workflow a schedule starts: the run's nominal time (no jitter). */
export const TemporalScheduledStartTime: DatetimeKey = {
  name: 'TemporalScheduledStartTime',
  type: 'DATETIME',
};

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
/** The export schedule that started a job (absent for one-off jobs). */
export const ExportSchedule = keyword('ExportSchedule');

export const searchAttributeDefinitions: Readonly<Record<string, 'Keyword'>> = {
  ExportName: 'Keyword',
  ExportStatus: 'Keyword',
  DestinationType: 'Keyword',
  ExportOwner: 'Keyword',
  ExportSchedule: 'Keyword',
};

/** A job's search attributes at its start, whoever starts it (the gateway or a schedule's run). */
export function jobSearchAttributes(input: ExportJobInput): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: ExportName, value: input.jobName },
    { key: ExportStatus, value: 'Pending' },
    { key: DestinationType, value: input.request.destination.type },
    { key: ExportOwner, value: input.owner },
  ];
  if (input.scheduleID !== undefined) pairs.push({ key: ExportSchedule, value: input.scheduleID });
  return pairs;
}
