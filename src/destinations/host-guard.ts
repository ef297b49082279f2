import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DestinationNotFoundError, DestinationUnavailableError } from '../errors';

/** Loopback, private, link-local, CGNAT, multicast and metadata ranges. */
const forbiddenV4 = new BlockList();
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
  forbiddenV4.addSubnet(net, prefix, 'ipv4');
}

// A separate list: Node's BlockList matches IPv4 addresses against IPv6 rules through their
// IPv4-mapped form, so one list with ::ffff:0:0/96 would refuse every IPv4 address.
const forbiddenV6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbiddenV6.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(
    address,
  );
  if (!match) return undefined;
  if (match[1]) return match[1];
  const high = parseInt(match[2] ?? '0', 16);
  const low = parseInt(match[3] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbiddenV4.check(address, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIpv4(address);
  return v4 !== undefined ? forbiddenV4.check(v4, 'ipv4') : forbiddenV6.check(address, 'ipv6');
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
