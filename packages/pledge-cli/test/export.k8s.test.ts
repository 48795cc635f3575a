/**
 * `pledge export --format k8s` checked by the rules of its consumers: the
 * YAML stream is parsed by a YAML library (`yaml`), the SeccompProfile is
 * validated by Ajv against fixtures/seccompprofile.schema.json (the facts of
 * the Security Profiles Operator's CRD, release v1.0.0: see its $comment) and
 * the Pod against fixtures/pod-seccomp.schema.json (the facts of the
 * Kubernetes Pod schema the snippet relies on). Deliberately broken
 * resources show that each check can fail.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { exportPolicy, type ExportOptions } from '../src/export.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const schema = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(here, 'fixtures', name), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: true });
const validateProfile = ajv.compile(schema('seccompprofile.schema.json'));
const validatePod = ajv.compile(schema('pod-seccomp.schema.json'));

type Doc = Record<string, any>;

/** The YAML stream as documents; any YAML error or warning fails. */
function parseStream(text: string): Doc[] {
  const docs = parseAllDocuments(text);
  expect(Array.isArray(docs), 'one YAML stream').toBe(true);
  const list = docs as Exclude<typeof docs, { empty: true }>;
  for (const d of list) {
    expect(d.errors.map((e) => e.message)).toEqual([]);
    expect(d.warnings.map((e) => e.message)).toEqual([]);
  }
  return list.map((d) => d.toJS() as Doc);
}

/** Ajv's verdict as problems (empty when valid). */
function problems(validate: ValidateFunction, value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

const k8s = (promises: string, options: ExportOptions = {}): { profile: Doc; pod: Doc; text: string } => {
  const text = exportPolicy(promises, 'k8s', options).output as string;
  const docs = parseStream(text);
  expect(docs.map((d) => d['kind'])).toEqual(['SeccompProfile', 'Pod']);
  return { profile: docs[0]!, pod: docs[1]!, text };
};

const CASES: Array<[string, ExportOptions]> = [
  ['stdio rpath', { arch: 'x64' }],
  ['stdio', { arch: 'x64' }],
  ['stdio inet', { arch: 'x64' }],
  ['stdio getpw unix', { arch: 'x64' }],
  ['stdio rpath wpath cpath fattr proc exec id', { arch: 'x64' }],
  ['stdio tty prot_exec sendfd recvfd', { arch: 'x64' }],
  ['stdio rpath wpath cpath dpath tmppath fattr chown flock unix inet mcast route dns getpw sendfd recvfd tty proc exec prot_exec settime ps vminfo id', { arch: 'x64' }],
  ['stdio rpath', { arch: 'x64', penalty: 'errno' }],
  ['stdio rpath', { arch: 'x64', entrypoint: 'static' }],
  ['stdio rpath inet', { arch: 'x64', node: true }],
  ['stdio rpath', { arch: 'arm64' }],
  ['stdio inet dns', { arch: 'arm64', penalty: 'errno', name: 'web.front-1', namespace: 'team-a' }],
  ['', { arch: 'x64' }],
];

describe('pledge export --format k8s: validated by the schemas', () => {
  for (const [promises, options] of CASES) {
    it(`'${promises}' ${JSON.stringify(options)}: the YAML stream parses, the SeccompProfile and the Pod validate`, () => {
      const { profile, pod } = k8s(promises, options);
      expect(problems(validateProfile, profile)).toEqual([]);
      expect(problems(validatePod, pod)).toEqual([]);
      // The Pod names the file the operator writes for this cluster-scoped profile (its status.localhostProfile).
      const name = profile['metadata'].name as string;
      expect(pod['spec'].securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: `operator/${name}.json` });
      expect(pod['metadata'].namespace).toBe(options.namespace ?? 'default');
      if (options.name) expect(name).toBe(options.name);
      // The same policy as the OCI format (one source of truth), minus the field the CRD lacks.
      const oci = JSON.parse(exportPolicy(promises, 'oci', options).output as string) as Doc;
      expect(profile['spec']).toEqual({ defaultAction: oci['defaultAction'], architectures: oci['architectures'], syscalls: oci['syscalls'] });
    });
  }

  it('the command writes the same valid stream (--name, --namespace, --arch)', () => {
    const bin = path.join(here, '../bin/pledge.js');
    const r = spawnSync(process.execPath, [bin, 'export', 'stdio rpath', '--format', 'k8s', '--arch', 'aarch64', '--name', 'reader', '--namespace', 'batch', '-q'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const [profile, pod] = parseStream(r.stdout);
    expect(problems(validateProfile, profile)).toEqual([]);
    expect(problems(validatePod, pod)).toEqual([]);
    expect(pod!['metadata']).toEqual({ name: 'reader-example', namespace: 'batch' });
    expect(pod!['spec'].securityContext.seccompProfile.localhostProfile).toBe('operator/reader.json');
  });
});

describe('the checks can fail: deliberately broken resources are refused', () => {
  const { profile, pod } = k8s('stdio rpath', { arch: 'x64' });
  const errnoAt = (profile['spec'].syscalls as Doc[]).findIndex((s) => s['errnoRet'] !== undefined);
  const argsAt = (profile['spec'].syscalls as Doc[]).findIndex((s) => Array.isArray(s['args']));
  it('the valid originals have an errnoRet and an args entry to break', () => {
    expect(errnoAt).toBeGreaterThanOrEqual(0);
    expect(argsAt).toBeGreaterThanOrEqual(0);
  });
  const broken: Array<[string, (p: Doc) => void, RegExp]> = [
    ['errnoRet as a string (the pre-v1.0.0 type)', (p) => { p['spec'].syscalls[errnoAt].errnoRet = '38'; }, /errnoRet must be integer/],
    ['a negative errnoRet', (p) => { p['spec'].syscalls[errnoAt].errnoRet = -1; }, /errnoRet must be >= 0/],
    ['an unknown action', (p) => { p['spec'].syscalls[0].action = 'SCMP_ACT_IGNORE'; }, /action must be equal to one of the allowed values/],
    ['an unknown defaultAction', (p) => { p['spec'].defaultAction = 'SCMP_ACT_DENY'; }, /defaultAction must be equal to one of the allowed values/],
    ['no defaultAction', (p) => { delete p['spec'].defaultAction; }, /must have required property 'defaultAction'/],
    ['an unknown op', (p) => { p['spec'].syscalls[argsAt].args[0].op = 'SCMP_CMP_IN'; }, /op must be equal to one of the allowed values/],
    ['an arg without its index', (p) => { delete p['spec'].syscalls[argsAt].args[0].index; }, /must have required property 'index'/],
    ['a negative value', (p) => { p['spec'].syscalls[argsAt].args[0].value = -1; }, /value must be >= 0/],
    ['seven args', (p) => { p['spec'].syscalls[argsAt].args = Array.from({ length: 7 }, (_, i) => ({ index: i % 6, op: 'SCMP_CMP_EQ', value: 0 })); }, /args must NOT have more than 6 items/],
    ['an empty names list', (p) => { p['spec'].syscalls[0].names = []; }, /names must NOT have fewer than 1 items/],
    ['a name twice (names is a set)', (p) => { p['spec'].syscalls[0].names.push(p['spec'].syscalls[0].names[0]); }, /names must NOT have duplicate items/],
    ['an unknown architecture', (p) => { p['spec'].architectures = ['SCMP_ARCH_I386']; }, /architectures\/0 must be equal to one of the allowed values/],
    ['defaultErrnoRet (not in the CRD)', (p) => { p['spec'].defaultErrnoRet = 1; }, /spec must NOT have additional properties/],
    ['a namespace on the cluster-scoped resource', (p) => { p['metadata'].namespace = 'default'; }, /metadata\/namespace boolean schema is false/],
    ['a name that is not a DNS subdomain', (p) => { p['metadata'].name = 'Pledge_Stdio'; }, /name must match pattern/],
    ['another apiVersion', (p) => { p['apiVersion'] = 'security-profiles-operator.x-k8s.io/v1alpha1'; }, /apiVersion must be equal to one of the allowed values/],
  ];
  for (const [what, mutate, message] of broken) {
    it(`SeccompProfile: ${what}`, () => {
      const p = structuredClone(profile);
      mutate(p);
      const found = problems(validateProfile, p);
      expect(found.join('\n')).toMatch(message);
    });
  }

  const brokenPods: Array<[string, (p: Doc) => void, RegExp]> = [
    ['Localhost without localhostProfile', (p) => { delete p['spec'].securityContext.seccompProfile.localhostProfile; }, /must have required property 'localhostProfile'/],
    ['an absolute localhostProfile', (p) => { p['spec'].securityContext.seccompProfile.localhostProfile = '/var/lib/kubelet/seccomp/x.json'; }, /localhostProfile must match pattern/],
    ['a localhostProfile climbing out with ..', (p) => { p['spec'].securityContext.seccompProfile.localhostProfile = 'operator/../../x.json'; }, /localhostProfile must match pattern/],
    ['RuntimeDefault with a localhostProfile', (p) => { p['spec'].securityContext.seccompProfile.type = 'RuntimeDefault'; }, /localhostProfile boolean schema is false/],
    ['an unknown seccompProfile type', (p) => { p['spec'].securityContext.seccompProfile.type = 'localhost'; }, /type must be equal to one of the allowed values/],
    ['a container without an image', (p) => { delete p['spec'].containers[0].image; }, /must have required property 'image'/],
    ['no containers', (p) => { p['spec'].containers = []; }, /containers must NOT have fewer than 1 items/],
    ['kind Deployment', (p) => { p['kind'] = 'Deployment'; }, /kind must be equal to constant/],
    ['apiVersion apps/v1', (p) => { p['apiVersion'] = 'apps/v1'; }, /apiVersion must be equal to constant/],
    ['no metadata.name', (p) => { delete p['metadata'].name; }, /must have required property 'name'/],
  ];
  for (const [what, mutate, message] of brokenPods) {
    it(`Pod: ${what}`, () => {
      const p = structuredClone(pod);
      mutate(p);
      expect(problems(validatePod, p).join('\n')).toMatch(message);
    });
  }

  it('YAML: a damaged stream is reported by the parser', () => {
    const { text } = k8s('stdio', { arch: 'x64' });
    const damaged = text.replace('"kind": "Pod",', '"kind": "Pod",,');
    const errors = (parseAllDocuments(damaged) as Array<{ errors: unknown[] }>).flatMap((d) => d.errors);
    expect(errors.length).toBeGreaterThan(0);
    expect(() => parseStream(damaged)).toThrow();
  });
});
