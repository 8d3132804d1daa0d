#ifndef CLAUDE_ROUTER_CCURL_SHIM_H
#define CLAUDE_ROUTER_CCURL_SHIM_H

#include <curl/curl.h>
#ifdef __linux__
// The event loop keeps the sockets libcurl asks it to watch in an epoll descriptor; Glibc's
// Swift module does not export <sys/epoll.h>, so it comes in beside libcurl's header.
#include <sys/epoll.h>
#endif

// libcurl's setopt/getinfo are variadic, which Swift cannot call. These typed, non-variadic
// shims are the only way Swift code reaches them (the GRDBSQLite / corelibs EasyHandle habit).

static inline CURLcode cr_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_read_callback(CURL *handle, CURLoption option, curl_read_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cr_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode cr_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode cr_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode cr_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode cr_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLMcode cr_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

// The multi_socket API: libcurl says which sockets to watch and when its next timeout is due,
// and the event loop calls curl_multi_socket_action for what became ready.
static inline CURLMcode cr_multi_setopt_socket_callback(CURLM *multi, curl_socket_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, value);
}
static inline CURLMcode cr_multi_setopt_timer_callback(CURLM *multi, curl_multi_timer_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, value);
}
static inline curl_socket_t cr_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }

static inline CURLcode cr_easy_setopt_debug_callback(CURL *handle, CURLoption option, curl_debug_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// Macros built from other macros do not import into Swift; these expose the values the
// transport needs.
static inline CURLcode cr_global_init_all(void) { return curl_global_init(CURL_GLOBAL_ALL); }
static inline int cr_pause_cont(void) { return CURLPAUSE_CONT; }
static inline size_t cr_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
static inline long cr_pipe_multiplex(void) { return CURLPIPE_MULTIPLEX; }
static inline long cr_error_size(void) { return CURL_ERROR_SIZE; }

// CURLMsg carries its result in a union; this returns 1 and fills `easy`/`result` for the
// next finished transfer, 0 when no message is left.
static inline int cr_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int remaining = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &remaining)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

#endif
