/** The job types everyone outside workflows/ uses: the workflow's contract (workflows/contract.ts). */
export type * from '../../workflows/contract';
