// D05: a container reaching the node's container runtime socket, through
// which it can start a privileged container on the host. The node's sockets
// are Unix socket servers the suite runs on the host, mounted into the pod
// as a hostPath volume would mount /var/run/docker.sock.
import * as path from 'node:path';
import { NET } from '../lib/net-plan';
import type { Scenario, WorldView } from '../lib/types';

const RULE = 'Container runtime socket access from container';
const REQUEST = 'GET /containers/json HTTP/1.0\r\n';

function sockets(w: WorldView) {
  return {
    mounts: [
      { source: path.join(w.socketDir, 'docker.sock'), destination: '/var/run/docker.sock' },
      { source: path.join(w.socketDir, 'containerd.sock'), destination: '/run/containerd/containerd.sock' },
      { source: path.join(w.socketDir, 'app.sock'), destination: '/run/app/app.sock' },
    ],
  };
}

export const d05: Scenario = {
  row: 'D05',
  title: 'Open or connect to a container runtime socket from inside a container',
  rules: [RULE],
  mitre: 'T1611',
  category: 'container_escape',
  cases: [
    {
      kind: 'attack',
      name: 'a pod with docker.sock mounted lists the node\'s containers through it',
      pod: sockets,
      script: `attackops connect-unix /var/run/docker.sock '${REQUEST}'`,
      expect: [{ rule: RULE, proc: 'attackops', cmdline: /connect-unix \/var\/run\/docker\.sock/, fields: { 'evt.type': 'connect', 'fd.name': '/var/run/docker.sock' } }],
    },
    {
      kind: 'variant',
      name: 'cd /var/run and connect to docker.sock',
      evasion: ['relative path'],
      pod: sockets,
      script: `cd /var/run && attackops connect-unix docker.sock '${REQUEST}'`,
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'evt.type': 'connect', 'fd.name': 'docker.sock' } }],
    },
    {
      kind: 'variant',
      name: "containerd's socket, and an open() of docker.sock (ENXIO: attempts count)",
      evasion: ['another path', 'attempt'],
      pod: sockets,
      script: "attackops connect-unix /run/containerd/containerd.sock 'x'; cat /var/run/docker.sock",
      expect: [
        { rule: RULE, proc: 'attackops', fields: { 'evt.type': 'connect', 'fd.name': '/run/containerd/containerd.sock' } },
        { rule: RULE, proc: 'cat', fields: { 'evt.type': /^open/, 'fd.name': '/var/run/docker.sock' } },
      ],
    },
    {
      kind: 'variant',
      name: "the Docker API over TCP (the node's port 2375)",
      evasion: ['another path'],
      script: `wget -q -O /dev/null http://${NET.web}:2375/containers/json`,
      expect: [{ rule: RULE, proc: 'wget', fields: { 'evt.type': 'connect', 'fd.name': /:2375$/ } }],
    },
    {
      kind: 'variant',
      name: 'through a symlink to docker.sock',
      evasion: ['symlink'],
      pod: sockets,
      gap: 'a Unix connect carries the address as passed, not the socket it reached (rules/README.md)',
      script: `ln -s /var/run/docker.sock /tmp/api.sock && attackops connect-unix /tmp/api.sock '${REQUEST}'`,
      expect: [{ rule: RULE, proc: 'attackops', fields: { 'evt.type': 'connect' } }],
    },
    {
      kind: 'benign',
      name: "a pod with the sockets mounted looks at them (stat) and talks to its own app's socket",
      pod: sockets,
      script: "stat /var/run/docker.sock /run/containerd/containerd.sock > /dev/null; attackops connect-unix /run/app/app.sock 'ping'",
    },
  ],
};
