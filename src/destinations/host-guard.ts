import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DestinationNotFoundError, DestinationUnavailableError } from '../errors';

/** Loopback, private, link-local, CGNAT, multicast and metadata ranges, IPv4 and IPv6. */
const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return forbidden.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Resolves a destination host once and returns the address to connect to, so what was checked
 * is what gets connected (no DNS rebinding between check and connect). Loopback, private,
 * link-local and metadata addresses are refused unless the operator allows them.
 */
export async function resolveDestinationHost(host: string, allowPrivate: boolean): Promise<string> {
  let addresses: { address: string }[];
  try {
    addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true, verbatim: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME') {
      throw new DestinationNotFoundError(`host "${host}" does not resolve: check destination.server`);
    }
    throw new DestinationUnavailableError(`could not resolve "${host}": ${code ?? String(err)}`);
  }
  const blocked = addresses.find((a) => isPrivateAddress(a.address));
  if (blocked && !allowPrivate) {
    throw new DestinationNotFoundError(
      `host "${host}" resolves to ${blocked.address}, a loopback/private/link-local address; such destinations are refused (operators can allow them with ALLOW_PRIVATE_DESTINATIONS=true)`,
    );
  }
  const first = addresses[0];
  if (!first) throw new DestinationNotFoundError(`host "${host}" has no address`);
  return first.address;
}
