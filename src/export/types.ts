/**
 * What an export is: the validated request and the plan resolved from it. Type-only, so the
 * workflow may import it.
 */
import type { Destination } from '../destinations';
import type { Column, ListRef } from './columns';
import type { ExportFormat } from './formats';
import type { SplitPlan } from './split';

/** Each delivered file encrypted to an OpenPGP public key: given inline, or saved (PUT /pgpkeys). */
export interface ExportEncryption {
  readonly type: 'pgp';
  readonly publicKey?: string;
  readonly savedKey?: string;
}

/** POST /contactexports after validation and normalisation. */
export interface ExportRequest {
  readonly exportType: ExportFormat;
  readonly name?: string;
  readonly fields: readonly string[];
  readonly lists: readonly ListRef[];
  readonly audienceKey?: string;
  readonly showHeader: boolean;
  /** CSV: text cells starting with = + - @ tab or CR get a leading ' (absent in older jobs: off). */
  readonly neutralizeFormulas?: boolean;
  readonly compress: boolean;
  readonly confirmEmail?: string;
  /** Receives a signed POST when the job ends (Standard Webhooks). */
  readonly callbackUrl?: string;
  readonly destination: Destination;
  /** Absent: files are delivered as written. */
  readonly encryption?: ExportEncryption;
  /** Split into files of at most this many rows and/or MB (absent: one file). */
  readonly maxRowsPerFile?: number;
  readonly maxFileSizeMB?: number;
  /** Contacts whose lastModified is in [modifiedSince, modifiedBefore): ISO 8601 UTC. */
  readonly modifiedSince?: string;
  readonly modifiedBefore?: string;
}

/** What the planning step resolved. */
export interface ExportPlan {
  readonly columns: readonly Column[];
  readonly projection: Record<string, 1>;
  /** The saved audience rule, compiled on the exporting host as of `asOf`. */
  readonly audience?: {
    readonly key: string;
    readonly rule: unknown;
    readonly asOf: string;
    readonly fieldTypes: Readonly<Record<string, string>>;
  };
  readonly fileName: string;
  /** The request's lastModified window, if any (plans made before it existed have none). */
  readonly window?: { readonly modifiedSince?: string; readonly modifiedBefore?: string };
  /** A split export's limits and file names (absent: one file named `fileName`). */
  readonly split?: SplitPlan;
}
