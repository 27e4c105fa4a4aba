import { describe, expect, it } from 'vitest';
import {
  checkImportUrl,
  isSpecialUseAddress,
  parseAllowedImportHosts,
  resolveImportHost,
} from './import-url-policy';

const none = parseAllowedImportHosts('');

describe('isSpecialUseAddress', () => {
  it('refuses loopback, private, link-local, unique-local, multicast and unspecified addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '0.0.0.0',
      '0.1.2.3',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '100.127.255.255',
      '169.254.169.254',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::7f00:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '::ffff:0:7f00:1',
      '64:ff9b::7f00:1',
      '64:ff9b::10.0.0.1',
      'fe80::1',
      'febf::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      'ff0e::1',
    ])
      expect([address, isSpecialUseAddress(address)]).toEqual([address, true]);
  });

  it('lets public addresses through, in either family', () => {
    for (const address of [
      '93.184.215.14',
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '11.0.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ])
      expect([address, isSpecialUseAddress(address)]).toEqual([address, false]);
  });
});

describe('checkImportUrl', () => {
  it('refuses every spelling of an internal address, naming no more than the host typed', () => {
    for (const url of [
      'http://127.0.0.1:6379/',
      'http://127.0.0.1:5432/',
      'http://[::1]:3000/',
      'http://0.0.0.0/',
      'http://0/',
      'http://2130706433/',
      'http://017700000001/',
      'http://127.1/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://127。0。0。1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:127.0.0.1]/',
      'http://[::]/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://[ff02::1]/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'https://localhost/x.zip',
      'http://LOCALHOST./x.zip',
      'http://photos.localhost/x.zip',
      'http://user:pw@127.0.0.1/x.zip',
    ]) {
      expect(() => checkImportUrl(url, none), url).toThrow(/address not allowed/);
    }
    expect(() => checkImportUrl('http://2130706433:6379/', none)).toThrow(
      /^The host "127\.0\.0\.1" is not allowed \(address not allowed\): imports fetch only from public internet addresses.*STUDIO_IMPORT_ALLOWED_HOSTS\.$/,
    );
  });

  it('accepts public hosts and names, and refuses other schemes', () => {
    expect(checkImportUrl('https://example.com/pets.tgz', none).hostname).toBe('example.com');
    expect(checkImportUrl('http://93.184.215.14/pets.tgz', none).hostname).toBe('93.184.215.14');
    expect(checkImportUrl('http://[2606:4700::1111]/a.zip', none).hostname).toBe(
      '[2606:4700::1111]',
    );
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.zip', 'gopher://127.0.0.1/'])
      expect(() => checkImportUrl(url, none), url).toThrow(/Only http\(s\) URLs can be imported/);
    expect(() => checkImportUrl('not a url', none)).toThrow(/not a valid URL/);
  });

  it('keeps a redirect target out of the message', () => {
    expect(() => checkImportUrl('http://10.0.0.7/', none, { isRedirect: true })).toThrow(
      /^The address a redirect leads to is not allowed \(address not allowed\)/,
    );
  });

  it('lets an administrator allow listed hosts and ranges, and nothing else', () => {
    const mirror = parseAllowedImportHosts(' mirror.lan , 10.1.0.0/16,127.0.0.1, fd00::5 ');
    expect(checkImportUrl('http://mirror.lan/a.zip', mirror).hostname).toBe('mirror.lan');
    expect(checkImportUrl('http://MIRROR.LAN./a.zip', mirror).hostname).toBe('mirror.lan.');
    expect(checkImportUrl('http://10.1.200.3/a.zip', mirror).hostname).toBe('10.1.200.3');
    expect(checkImportUrl('http://2130706433/a.zip', mirror).hostname).toBe('127.0.0.1');
    expect(checkImportUrl('http://[fd00::5]/a.zip', mirror).hostname).toBe('[fd00::5]');
    for (const url of [
      'http://10.2.0.1/',
      'http://127.0.0.2/',
      'http://[::1]/',
      'http://localhost/',
    ])
      expect(() => checkImportUrl(url, mirror), url).toThrow(/address not allowed/);
  });
});

describe('parseAllowedImportHosts', () => {
  it('names an entry that is neither a host, an address nor a range', () => {
    expect(() => parseAllowedImportHosts('mirror.lan, http://x/')).toThrow(
      /"http:\/\/x\/" is neither a host name, an IP address nor a CIDR range/,
    );
    expect(() => parseAllowedImportHosts('10.0.0.0/33')).toThrow(/prefix too long/);
    expect(() => parseAllowedImportHosts('10.0.0.0/8/1')).toThrow(/neither/);
  });
});

describe('resolveImportHost', () => {
  const resolving =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name that resolves only to internal addresses', async () => {
    await expect(resolveImportHost('localhost', none)).rejects.toThrow(
      /^The host "localhost" is not allowed \(address not allowed\)/,
    );
    await expect(
      resolveImportHost('rebind.example', none, { resolve: resolving('10.0.0.1', '::1') }),
    ).rejects.toThrow(/address not allowed/);
    await expect(
      resolveImportHost('inside.example', none, { isRedirect: true, resolve: resolving('::1') }),
    ).rejects.toThrow(/^The address a redirect leads to is not allowed \(address not allowed\)/);
  });

  it('keeps only the public addresses of a name that has both', async () => {
    expect(
      await resolveImportHost('mixed.example', none, {
        resolve: resolving('127.0.0.1', '93.184.215.14', 'fd00::1', '2606:4700::1'),
      }),
    ).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:4700::1', family: 6 },
    ]);
  });

  it('lets listed names keep every address, and listed ranges pass', async () => {
    const mirror = parseAllowedImportHosts('mirror.lan,127.0.0.1');
    expect(
      await resolveImportHost('mirror.lan', mirror, { resolve: resolving('10.0.0.9') }),
    ).toEqual([{ address: '10.0.0.9', family: 4 }]);
    expect(await resolveImportHost('localhost', mirror)).toContainEqual({
      address: '127.0.0.1',
      family: 4,
    });
    await expect(
      resolveImportHost('other.lan', mirror, { resolve: resolving('10.0.0.9') }),
    ).rejects.toThrow(/address not allowed/);
  });
});
