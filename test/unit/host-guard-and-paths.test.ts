import { isPrivateAddress, resolveDestinationHost } from '../../src/destinations/host-guard';
import { gcsObjectName, remoteFile, remoteFolder, s3Key } from '../../src/destinations/paths';
import { DestinationNotFoundError } from '../../src/errors';

describe('destination host guard', () => {
  it.each([
    '127.0.0.1',
    '127.9.9.9',
    '10.0.0.1',
    '172.16.5.5',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc00::5',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '198.51.100.7',
    '203.0.113.5',
    '::ffff:8.8.8.8',
    '2001:db8::1',
  ])('%s is public', (address) => expect(isPrivateAddress(address)).toBe(false));

  it.each(['127.0.0.1', 'localhost', '2130706433', '0x7f.1', '::1', '169.254.169.254'])(
    'when "%s" is a destination and private addresses are not allowed, then it is refused (numeric tricks resolve first)',
    async (host) => {
      await expect(resolveDestinationHost(host, false)).rejects.toThrow(DestinationNotFoundError);
      await expect(resolveDestinationHost(host, false)).rejects.toThrow(/loopback\/private\/link-local/);
    },
  );

  it('when private addresses are allowed, then the resolved address is what gets connected to', async () => {
    await expect(resolveDestinationHost('localhost', true)).resolves.toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});

describe('destination paths', () => {
  it.each<[string, string]>([
    ['', '/'],
    ['/', '/'],
    ['folder', '/folder'],
    ['/folder//sub/', '/folder/sub'],
    ['./a/./b', '/a/b'],
  ])('remote folder of %j is %j', (input, folder) => expect(remoteFolder(input)).toBe(folder));

  it.each(['../etc', '/a/../../b', 'a/..'])('%j is refused', (input) =>
    expect(() => remoteFolder(input)).toThrow('".."'),
  );

  it.each<[string, string, string]>([
    ['folder', 'x.csv', 'folder/x.csv'],
    ['/folder/', 'x.csv', 'folder/x.csv'],
    ['/folder/contactsExport.csv', 'x.csv', 'folder/contactsExport.csv'],
    ['//a//b//', 'x.csv.gz', 'a/b/x.csv.gz'],
    ['', 'x.json', 'x.json'],
  ])('S3 key for path %j and file %j is %j', (p, file, key) => expect(s3Key(p, file)).toBe(key));

  it('GCS object names and FTP/SFTP files never double their slashes', () => {
    expect(gcsObjectName('/contactexports/', 'a.csv')).toBe('contactexports/a.csv');
    expect(remoteFile('/', 'a.csv')).toBe('/a.csv');
    expect(remoteFile('/in', 'a.csv')).toBe('/in/a.csv');
  });
});
