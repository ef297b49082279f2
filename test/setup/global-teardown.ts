export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.__testProcesses ?? []).map((p) => p.stop(5000)));
}
