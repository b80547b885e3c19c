/* Stand-in for Windows' bcryptprimitives.dll!ProcessPrng (Windows 8+), which Wine 8.0 lacks.
 * Rust's standard library (1.78+) takes its random numbers from it, so `cryptography` and
 * `rpds` (jsonschema) cannot load without it. This one asks the system RNG (RtlGenRandom,
 * advapi32!SystemFunction036). Used only inside the Wine prefix of the Windows test job,
 * never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
