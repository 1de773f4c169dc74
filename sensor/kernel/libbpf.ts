// koffi bindings to libbpf 1.x (libbpf.so.1). Pointers are opaque handles;
// functions returning NULL set errno, functions returning int return -errno.
import koffi from 'koffi';
import { vsnprintf } from './libc';

const lib = koffi.load('libbpf.so.1');

export type Ptr = unknown;

export const objectOpenFile = lib.func('void *bpf_object__open_file(const char *path, const void *opts)');
export const objectLoad = lib.func('int bpf_object__load(void *obj)');
export const objectClose = lib.func('void bpf_object__close(void *obj)');
export const objectFindMap = lib.func('void *bpf_object__find_map_by_name(const void *obj, const char *name)');
export const objectNextProgram = lib.func('void *bpf_object__next_program(const void *obj, void *prev)');
export const programName = lib.func('const char *bpf_program__name(const void *prog)');
export const programSectionName = lib.func('const char *bpf_program__section_name(const void *prog)');
export const programFd = lib.func('int bpf_program__fd(const void *prog)');
export const programAttach = lib.func('void *bpf_program__attach(const void *prog)');
export const programSetAutoload = lib.func('int bpf_program__set_autoload(void *prog, bool autoload)');
export const linkDestroy = lib.func('int bpf_link__destroy(void *link)');
export const mapFd = lib.func('int bpf_map__fd(const void *map)');
export const mapSetMaxEntries = lib.func('int bpf_map__set_max_entries(void *map, uint32_t max)');
export const mapMaxEntries = lib.func('uint32_t bpf_map__max_entries(const void *map)');
export const mapInitialValue = lib.func('void *bpf_map__initial_value(void *map, _Out_ size_t *psize)');
export const mapLookupElem = lib.func('int bpf_map_lookup_elem(int fd, const void *key, _Out_ uint8_t *value)');
export const mapUpdateElem = lib.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)');
export const mapDeleteElem = lib.func('int bpf_map_delete_elem(int fd, const void *key)');
export const mapGetNextKey = lib.func('int bpf_map_get_next_key(int fd, const void *key, _Out_ uint8_t *next_key)');
export const numPossibleCpus = lib.func('int libbpf_num_possible_cpus()');
export const btfLoadVmlinux = lib.func('void *btf__load_vmlinux_btf()');
export const btfFindByNameKind = lib.func('int btf__find_by_name_kind(const void *btf, const char *name, uint32_t kind)');
export const btfFree = lib.func('void btf__free(void *btf)');

/** BTF_KIND_FUNC: a function, kfuncs included. */
export const BTF_KIND_FUNC = 12;
/** bpf_map_update_elem flags. */
export const BPF_ANY = 0;

const PrintFn = koffi.proto('int kestrel_libbpf_print(int level, const char *fmt, void *args)');
const setPrint = lib.func('void *libbpf_set_print(kestrel_libbpf_print *fn)');

export const LIBBPF_WARN = 0;
export const LIBBPF_INFO = 1;
export const LIBBPF_DEBUG = 2;

let printCallback: bigint | null = null;
const scratch = Buffer.alloc(8192);

/**
 * Route libbpf's messages (verifier logs included) to `sink`. The va_list
 * is formatted by libc's vsnprintf; libbpf calls back on the loading thread.
 */
export function setLibbpfPrint(sink: (level: number, message: string) => void): void {
  if (printCallback) koffi.unregister(printCallback);
  printCallback = koffi.register((level: number, fmt: string, args: unknown) => {
    const n = vsnprintf(scratch, scratch.length, fmt, args) as number;
    const text = scratch.toString('utf8', 0, Math.max(0, Math.min(n, scratch.length - 1)));
    sink(level, text.replace(/\n$/, ''));
    return 0;
  }, koffi.pointer(PrintFn));
  setPrint(printCallback);
}
