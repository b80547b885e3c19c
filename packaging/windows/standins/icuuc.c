/* Stand-in for Windows' system ICU (C:\Windows\System32\icuuc.dll, present since Windows 10
 * 1903), which Wine 8.0 lacks. Qt 6 Core imports these converter functions for legacy text
 * codecs (QStringConverter by name); mdtapp uses only UTF-8 and UTF-16, which Qt does itself.
 * Every converter is "not available": ucnv_open fails, none are listed. Used only inside the
 * Wine prefix of the Windows test job, never shipped. */
#include <stddef.h>
#include <stdint.h>

typedef int UErrorCode;
typedef uint16_t UChar;
typedef struct UConverter UConverter;
typedef void (*UCallback)(void);
#define U_FILE_ACCESS_ERROR 4
#define EXPORT __declspec(dllexport)

static void fail(UErrorCode *err) { if (err && *err <= 0) *err = U_FILE_ACCESS_ERROR; }

EXPORT UConverter *ucnv_open(const char *name, UErrorCode *err) { (void)name; fail(err); return NULL; }
EXPORT void ucnv_close(UConverter *c) { (void)c; }
EXPORT void ucnv_reset(UConverter *c) { (void)c; }
EXPORT int8_t ucnv_getMaxCharSize(const UConverter *c) { (void)c; return 1; }
EXPORT const char *ucnv_getName(const UConverter *c, UErrorCode *err) { (void)c; fail(err); return NULL; }
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *err)
{ (void)name; (void)standard; fail(err); return NULL; }
EXPORT void ucnv_getToUCallBack(const UConverter *c, UCallback *action, const void **context)
{ (void)c; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_getFromUCallBack(const UConverter *c, UCallback *action, const void **context)
{ (void)c; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_setToUCallBack(UConverter *c, UCallback a, const void *ctx, UCallback *old_a,
                                const void **old_ctx, UErrorCode *err)
{ (void)c; (void)a; (void)ctx; (void)old_a; (void)old_ctx; fail(err); }
EXPORT void ucnv_setFromUCallBack(UConverter *c, UCallback a, const void *ctx, UCallback *old_a,
                                  const void **old_ctx, UErrorCode *err)
{ (void)c; (void)a; (void)ctx; (void)old_a; (void)old_ctx; fail(err); }
EXPORT void ucnv_toUnicode(UConverter *c, UChar **t, const UChar *tl, const char **s, const char *sl,
                           int32_t *o, int8_t flush, UErrorCode *err)
{ (void)c; (void)t; (void)tl; (void)s; (void)sl; (void)o; (void)flush; fail(err); }
EXPORT void ucnv_fromUnicode(UConverter *c, char **t, const char *tl, const UChar **s,
                             const UChar *sl, int32_t *o, int8_t flush, UErrorCode *err)
{ (void)c; (void)t; (void)tl; (void)s; (void)sl; (void)o; (void)flush; fail(err); }
EXPORT int32_t ucnv_toUCountPending(const UConverter *c, UErrorCode *err) { (void)c; fail(err); return 0; }
EXPORT int32_t ucnv_fromUCountPending(const UConverter *c, UErrorCode *err) { (void)c; fail(err); return 0; }
EXPORT void ucnv_cbToUWriteUChars(void *args, const UChar *s, int32_t n, int32_t o, UErrorCode *err)
{ (void)args; (void)s; (void)n; (void)o; fail(err); }
EXPORT void ucnv_cbFromUWriteUChars(void *args, const UChar **s, const UChar *sl, int32_t o,
                                    UErrorCode *err)
{ (void)args; (void)s; (void)sl; (void)o; fail(err); }
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(void) {}
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(void) {}
