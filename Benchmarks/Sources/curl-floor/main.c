// curl-floor: the cost floor for ClientBench — the same POST the Swift client sends, done with
// raw libcurl and nothing else (no JSON, no SSE parsing, no Swift concurrency).
//
// usage: curl-floor URL BODY CALLS CONCURRENCY API_KEY
//   URL          full URL, e.g. http://127.0.0.1:PORT/v1/messages
//   BODY         the exact JSON body (a `"stream":true` body gets `accept: text/event-stream`)
//   CALLS        total requests
//   CONCURRENCY  1: one easy handle, curl_easy_perform in a loop;
//                N: curl_multi with N easy handles, each reused for its next request
//   API_KEY      sent as x-api-key (like the client's default auth scheme)
//
// prints one line: `calls=… failures=… cpu_us_per_call=… p50_us=… p99_us=… wall_s=…`
// CPU is getrusage(RUSAGE_SELF) user+sys of this process only (the mock runs elsewhere).
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

// Counts the body bytes and discards them, like a consumer that only needs the reply to arrive.
static size_t sink(char *data, size_t size, size_t count, void *user) {
    (void)data;
    *(size_t *)user += size * count;
    return size * count;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct slot {
    CURL *easy;
    size_t received;
    double started;
};

static void configure(CURL *easy, const char *url, const char *body, struct curl_slist *headers, size_t *received) {
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, received);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: curl-floor URL BODY CALLS CONCURRENCY API_KEY\n");
        return 2;
    }
    const char *url = argv[1];
    const char *body = argv[2];
    long calls = atol(argv[3]);
    long concurrency = atol(argv[4]);
    if (calls <= 0 || concurrency <= 0) {
        fprintf(stderr, "curl-floor: CALLS and CONCURRENCY must be positive\n");
        return 2;
    }
    char key_header[512];
    snprintf(key_header, sizeof key_header, "x-api-key: %s", argv[5]);
    int streaming = strstr(body, "\"stream\":true") != NULL;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    // The same headers the client sends (AnthropicClient.RequestHeaders in AnthropicClient+Execution.swift).
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "anthropic-version: 2026-10-21");
    headers = curl_slist_append(headers, streaming ? "accept: text/event-stream" : "accept: application/json");
    headers = curl_slist_append(headers, "user-agent: claude-router/0.1 (swift)");
    headers = curl_slist_append(headers, "content-type: application/json");
    headers = curl_slist_append(headers, key_header);
    headers = curl_slist_append(headers, "Expect:");

    double *latencies = calloc((size_t)calls, sizeof(double));
    long done = 0, failures = 0;
    double cpu_start = cpu_us(), wall_start = now_us();

    if (concurrency == 1) {
        struct slot one = {curl_easy_init(), 0, 0};
        configure(one.easy, url, body, headers, &one.received);
        for (long i = 0; i < calls; i++) {
            one.received = 0;
            double started = now_us();
            CURLcode code = curl_easy_perform(one.easy);
            long status = 0;
            curl_easy_getinfo(one.easy, CURLINFO_RESPONSE_CODE, &status);
            if (code != CURLE_OK || status != 200 || one.received == 0) failures++;
            latencies[done++] = now_us() - started;
        }
        curl_easy_cleanup(one.easy);
    } else {
        CURLM *multi = curl_multi_init();
        // The client's transport settings (CurlTransport.Configuration): same connection cap.
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 32L);
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 64L);
        struct slot *slots = calloc((size_t)concurrency, sizeof(struct slot));
        long started_calls = 0;
        for (long i = 0; i < concurrency && started_calls < calls; i++, started_calls++) {
            slots[i].easy = curl_easy_init();
            configure(slots[i].easy, url, body, headers, &slots[i].received);
            curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
            slots[i].started = now_us();
            curl_multi_add_handle(multi, slots[i].easy);
        }
        int running = 1;
        while (done < calls) {
            curl_multi_perform(multi, &running);
            CURLMsg *message;
            int left;
            while ((message = curl_multi_info_read(multi, &left))) {
                if (message->msg != CURLMSG_DONE) continue;
                struct slot *slot;
                curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
                long status = 0;
                curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
                if (message->data.result != CURLE_OK || status != 200 || slot->received == 0) failures++;
                latencies[done++] = now_us() - slot->started;
                curl_multi_remove_handle(multi, slot->easy);
                if (started_calls < calls) {
                    started_calls++;
                    slot->received = 0;
                    slot->started = now_us();
                    curl_multi_add_handle(multi, slot->easy);
                }
            }
            if (done < calls) curl_multi_poll(multi, NULL, 0, 100, NULL);
        }
        for (long i = 0; i < concurrency; i++) {
            if (slots[i].easy) curl_easy_cleanup(slots[i].easy);
        }
        free(slots);
        curl_multi_cleanup(multi);
    }

    double cpu = cpu_us() - cpu_start, wall = now_us() - wall_start;
    qsort(latencies, (size_t)done, sizeof(double), compare);
    double p50 = latencies[done / 2];
    long p99_index = (long)(done * 0.99);
    if (p99_index >= done) p99_index = done - 1;
    printf("calls=%ld failures=%ld cpu_us_per_call=%.2f p50_us=%.1f p99_us=%.1f wall_s=%.3f\n", done, failures,
           cpu / (double)done, p50, latencies[p99_index], wall / 1e6);
    free(latencies);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    return failures == 0 ? 0 : 1;
}
