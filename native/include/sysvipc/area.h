/* libsysvipc: SharedStruct<T> areas from C.
 *
 * The format is docs/area-format.md (version 1), exactly what .NET's SharedStruct<T> writes and checks:
 * a 64-byte header (magic, version, sizes, the layout signature, the creator and an initialized-once
 * state), the struct at offset 64, then the layout text. A C process and a .NET process agree on an
 * area's organization or get a clear error. `sysvipc cdecl ASSEMBLY.dll TYPE` writes the C struct, its
 * layout text and its signature for a .NET type. */
#ifndef SYSVIPC_AREA_H
#define SYSVIPC_AREA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h> /* key_t, also under -std=c11 */

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SYSVIPC_AREA_FORMAT_VERSION 1
#define SYSVIPC_AREA_HEADER_SIZE 64

/* flags: permissions in the low 9 bits (create; 0 means 0600), and: */
#define SYSVIPC_AREA_READONLY 0x10000 /* open: attach SHM_RDONLY */

/* Error codes beyond the usual errno meanings (negated):
 *   EILSEQ      the area was created with a different struct layout (size or signature differ)
 *   EBADMSG     the segment is not a structured area (bad magic, header, size; or its header stayed empty)
 *   EPROTO      its format version is not one this library reads
 *   EOWNERDEAD  its creator exited while initializing it: remove it and create it again
 *   ECANCELED   its creator's initializer failed (the creator removes it)
 *   ETIMEDOUT   its creator is still initializing it after 30 s */

/* Opens an existing area, waiting while its creator initializes it, and checks size and signature.
 * *value points at the struct (offset 64 of the segment). */
int sysvipc_area_open(key_t key, size_t size, uint64_t layout_signature, int flags, void **value);

/* Creates the area exclusively (-EEXIST if the key is taken), writes the header (and layout_text when
 * not NULL; its FNV-1a hash must then equal layout_signature), runs init (may be NULL: the struct stays
 * zero), marks it ready. */
int sysvipc_area_create(key_t key, size_t size, uint64_t layout_signature, const char *layout_text, int flags,
                        void (*init)(void *), void **value);

/* Detaches an area returned by open or create. */
int sysvipc_area_close(void *value);
/* Removes the segment with this key (IPC_RMID). */
int sysvipc_area_remove(key_t key);

/* FNV-1a 64 of a layout text: the signature. */
uint64_t sysvipc_layout_signature(const char *text, size_t length);

#ifdef __cplusplus
}
#endif
#endif
