"""The official `anthropic` Python SDK against `claude-router serve` in front of the mock.

Run by scripts/test.sh in its own virtualenv (after `swift build --build-tests`):
    python scripts/gateway_sdk_test.py [path/to/claude-router]
Starts `claude-router mock-server` and `claude-router serve` as child processes on loopback,
exercises create, stream (and a streamed response-cache hit replayed), tool use, count_tokens, models, typed errors (401, 400, budget), the
SDK's own retries on 529, Message Batches (results fetched through the gateway and recorded in its ledger), and checks that the upstream (canary) key appears in no output.
Exits non-zero when any check fails.
"""
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

import anthropic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "claude-router")
CANARY = "sk-ant-api03-CANARY-" + uuid.uuid4().hex + "-gateway-must-never-echo"
ALICE, BOB = "gw-alice-" + uuid.uuid4().hex, "gw-bob-" + uuid.uuid4().hex

POLICY = """
name: sdk-test
version: "1"
baseline_tier: opus
default_tier: sonnet
tiers:
  - { name: haiku, model: claude-haiku-4-5, context_window: 200000, max_output_tokens: 64000 }
  - { name: sonnet, model: claude-sonnet-4-6, context_window: 1000000, max_output_tokens: 64000 }
  - { name: opus, model: claude-opus-4-8, context_window: 1000000, max_output_tokens: 128000 }
thresholds: { haiku: 0.0, sonnet: 0.30, opus: 0.65 }
tasks:
  extraction: { tier: haiku, max_tokens: 512 }
  qa: { min_tier: haiku, max_tier: opus, max_tokens: 512 }
  faq: { tier: haiku, max_tokens: 256, response_cache: { ttl: 10m } }
classifier:
  fallback_task: qa
budgets:
  - { name: free-plan, scope: "metadata:plan", period: day, hard_usd: "0.000001" }
"""


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


KEYS = f"""
keys:
  - {{ name: alice, sha256: {sha256(ALICE)}, user: alice, team: research }}
  - {{ name: bob, sha256: {sha256(BOB)}, user: bob, metadata: {{ plan: free }} }}
"""


def start(args, env, log_dir, name, pattern):
    out = open(os.path.join(log_dir, name + ".stdout"), "w+")
    err = open(os.path.join(log_dir, name + ".stderr"), "w+")
    proc = subprocess.Popen([BINARY] + args, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        for handle in (out, err):
            handle.seek(0)
            match = re.search(pattern, handle.read())
            if match:
                return proc, match.group(1), out, err
        if proc.poll() is not None:
            err.seek(0)
            raise SystemExit(f"{name} exited {proc.returncode}: {err.read()}")
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{name} did not start")


failures = []
seen_outputs = []


def check(name, fn):
    started = time.time()
    try:
        fn()
        print(f"  ok    {name} ({time.time() - started:.2f}s)")
    except Exception as error:  # noqa: BLE001 - report every failure, then exit non-zero
        failures.append(name)
        print(f"  FAIL  {name}: {type(error).__name__}: {error}")


def main():
    tmp = tempfile.mkdtemp(prefix="gateway-sdk-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    mock, mock_url, *_ = start(["mock-server", "--port", "0"], env, tmp, "mock", r"listening on (http://127\.0\.0\.1:\d+)")
    with open(os.path.join(tmp, "policy.yaml"), "w") as f:
        f.write(POLICY)
    with open(os.path.join(tmp, "keys.yaml"), "w") as f:
        f.write(KEYS)
    ledger = os.path.join(tmp, "ledger.sqlite")
    serve_env = dict(env, ANTHROPIC_API_KEY=CANARY)
    serve, port, serve_out, serve_err = start(
        ["serve", "--policy", os.path.join(tmp, "policy.yaml"), "--port", "0", "--keys", os.path.join(tmp, "keys.yaml"),
         "--ledger", ledger, "--base-url", mock_url, "--upstream-retries", "0", "--drain-seconds", "5"],
        serve_env, tmp, "serve", r"listening on http://127\.0\.0\.1:(\d+)")
    base = f"http://127.0.0.1:{port}"
    client = anthropic.Anthropic(api_key=ALICE, base_url=base, max_retries=0)
    print(f"gateway {base} in front of mock {mock_url}")

    def create():
        raw = client.messages.with_raw_response.create(
            model="auto", max_tokens=256, messages=[{"role": "user", "content": "Extract the number: 4411"}],
            extra_headers={"x-router-task": "extraction"})
        message = raw.parse()
        assert isinstance(message, anthropic.types.Message), type(message)
        assert "mock" in message.content[0].text.lower(), message.content
        assert raw.headers["x-router-tier"] == "haiku", dict(raw.headers)
        assert message.usage.input_tokens > 0
        seen_outputs.append(raw.http_response.text + str(dict(raw.headers)))

    def stream():
        with client.messages.stream(model="auto", max_tokens=256,
                                    messages=[{"role": "user", "content": "Say hi [[mock: reply=hello_from_the_stream]]"}]) as s:
            text = "".join(s.text_stream)
            final = s.get_final_message()
            request_id = s.request_id
        assert text == "hello from the stream", text
        # The API's request id of the streamed attempt, as on a JSON reply.
        assert request_id and request_id.startswith("req_mock_"), request_id
        assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0, final

    def stream_cache_hit():
        # The second identical streamed question is replayed from the response cache as SSE:
        # the SDK's stream helper accepts it and rebuilds the same message.
        def run():
            with client.messages.stream(model="auto:faq", max_tokens=256,
                                        messages=[{"role": "user", "content": "When do you open on Sundays?"}]) as s:
                text = "".join(s.text_stream)
                return text, s.get_final_message(), s.response.headers.get("x-router-reason", "")
        first_text, first, first_reason = run()
        second_text, second, second_reason = run()
        assert "response cache" not in first_reason, first_reason
        assert "served from the response cache" in second_reason, second_reason
        assert second_text == first_text and second_text, (first_text, second_text)
        assert second.content == first.content and second.stop_reason == "end_turn", second
        assert second.usage.output_tokens == first.usage.output_tokens, (first.usage, second.usage)

    def tool_use():
        message = client.messages.create(
            model="claude-haiku-4-5", max_tokens=256,
            tools=[{"name": "get_weather", "description": "Weather for a city",
                    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
            messages=[{"role": "user", "content": "Weather in Paris? [[mock: tool=get_weather]]"}])
        uses = [b for b in message.content if b.type == "tool_use"]
        assert message.stop_reason == "tool_use" and uses and uses[0].name == "get_weather", message

    def count_tokens():
        count = client.messages.count_tokens(model="auto", messages=[{"role": "user", "content": "How many tokens?"}])
        assert count.input_tokens > 0, count

    def models():
        ids = [m.id for m in client.models.list()]
        assert ids[0] == "auto" and "auto:extraction" in ids and any(i.startswith("claude-") for i in ids), ids

    def bad_key():
        try:
            anthropic.Anthropic(api_key="gw-unknown", base_url=base, max_retries=0).messages.create(
                model="auto", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        except anthropic.AuthenticationError as error:
            assert error.status_code == 401 and "gw-unknown" not in str(error), error
            return
        raise AssertionError("no AuthenticationError")

    def bad_request():
        try:
            client.messages.create(model="claude-haiku-4-5", max_tokens=10,
                                   messages=[{"role": "user", "content": "x [[mock: status=400]]"}])
        except anthropic.BadRequestError as error:
            assert error.status_code == 400 and error.body["error"]["type"] == "invalid_request_error", error.body
            return
        raise AssertionError("no BadRequestError")

    def budget():
        bob = anthropic.Anthropic(api_key=BOB, base_url=base, max_retries=2)
        before = access_lines()
        try:
            bob.messages.create(model="auto", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        except anthropic.RateLimitError as error:
            message = error.body["error"]["message"]
            assert "free-plan" in message and "resets at" in message, message
            assert error.response.headers["x-should-retry"] == "false"
            # x-should-retry: false, so the SDK did not retry.
            assert len(access_lines()) - len(before) == 1, access_lines()[len(before):]
            return
        raise AssertionError("no RateLimitError")

    def retries_on_529():
        retrying = anthropic.Anthropic(api_key=ALICE, base_url=base, max_retries=2)
        before = access_lines()
        try:
            retrying.messages.create(model="claude-haiku-4-5", max_tokens=10,
                                     messages=[{"role": "user", "content": "x [[mock: status=529]]"}])
        except anthropic.APIStatusError as error:
            assert error.status_code == 529, error
            assert error.body["error"]["type"] == "overloaded_error", error.body
            lines = access_lines()[len(before):]
            assert len(lines) == 3 and all("status=529" in line for line in lines), lines
            return
        raise AssertionError("no 529")

    def no_retry_when_api_says_so():
        retrying = anthropic.Anthropic(api_key=ALICE, base_url=base, max_retries=2)
        before = access_lines()
        try:
            retrying.messages.create(model="claude-haiku-4-5", max_tokens=10,
                                     messages=[{"role": "user", "content": "x [[mock: status=500 should-retry=false]]"}])
        except anthropic.InternalServerError as error:
            assert error.response.headers["x-should-retry"] == "false", dict(error.response.headers)
            assert error.response.headers["anthropic-ratelimit-requests-limit"], dict(error.response.headers)
            # The API said a retry cannot succeed: the SDK sent the call once.
            lines = access_lines()[len(before):]
            assert len(lines) == 1 and "status=500" in lines[0], lines
            return
        raise AssertionError("no InternalServerError")

    def access_lines(path="/v1/messages"):
        serve_out.seek(0)
        return [line for line in serve_out.read().splitlines() if f"path={path} " in line]

    def ledger_rows(batch_id):
        with sqlite3.connect(ledger) as db:
            return {row[0]: json.loads(row[1])
                    for row in db.execute("SELECT id, metadata FROM ledger WHERE request_id = ?", (batch_id,))}

    def create_batch(sdk):
        return sdk.messages.batches.create(requests=[
            {"custom_id": "a1", "params": {"model": "auto:extraction", "max_tokens": 64,
                                            "messages": [{"role": "user", "content": "Extract 4411"}]}},
            {"custom_id": "a2", "params": {"model": "claude-haiku-4-5", "max_tokens": 64,
                                            "messages": [{"role": "user", "content": "hi"}]}}])

    def batch_results_through_gateway():
        # The SDK reads the results from the batch's results_url: it must be the gateway's, so the
        # results are recorded in the gateway's ledger and the gateway key never goes upstream.
        batch = create_batch(client)
        ended = client.messages.batches.retrieve(batch.id)
        assert ended.results_url == f"{base}/v1/messages/batches/{batch.id}/results", ended.results_url
        assert ledger_rows(batch.id) == {}, ledger_rows(batch.id)
        results = {item.custom_id: item.result.type for item in client.messages.batches.results(batch.id)}
        assert results == {"a1": "succeeded", "a2": "succeeded"}, results
        assert len(access_lines(f"/v1/messages/batches/{batch.id}/results")) == 1, access_lines("")
        rows = ledger_rows(batch.id)
        assert set(rows) == {f"{batch.id}:a1", f"{batch.id}:a2"}, rows
        assert all(meta["user"] == "alice" and meta["batch_id"] == batch.id for meta in rows.values()), rows

    def batches_per_caller():
        # Bob cannot see, cancel or fetch alice's batch (404, like an unknown id) nor list it;
        # when alice fetches, the rows are hers whoever tried first.
        batch = create_batch(client)
        bob = anthropic.Anthropic(api_key=BOB, base_url=base, max_retries=0)
        for attempt in (lambda: bob.messages.batches.retrieve(batch.id),
                        lambda: bob.messages.batches.cancel(batch.id),
                        lambda: list(bob.messages.batches.results(batch.id))):
            try:
                attempt()
            except anthropic.NotFoundError as error:
                assert error.body["error"]["type"] == "not_found_error", error.body
                continue
            raise AssertionError("bob reached alice's batch")
        assert batch.id not in [b.id for b in bob.messages.batches.list()]
        assert batch.id in [b.id for b in client.messages.batches.list()]
        assert ledger_rows(batch.id) == {}, ledger_rows(batch.id)
        assert len(list(client.messages.batches.results(batch.id))) == 2
        rows = ledger_rows(batch.id)
        assert len(rows) == 2 and all(meta["user"] == "alice" for meta in rows.values()), rows

    for name, fn in [("create", create), ("stream", stream), ("stream replays a response-cache hit", stream_cache_hit),
                     ("tool use", tool_use), ("count_tokens", count_tokens),
                     ("models", models), ("401 AuthenticationError", bad_key), ("400 BadRequestError", bad_request),
                     ("budget RateLimitError, not retried", budget), ("SDK retries on 529", retries_on_529),
                     ("SDK does not retry a 500 with x-should-retry: false", no_retry_when_api_says_so),
                     ("batch results through the gateway, in its ledger", batch_results_through_gateway),
                     ("batches per caller: bob gets 404 for alice's, her rows stay hers", batches_per_caller)]:
        check(name, fn)

    serve.send_signal(signal.SIGTERM)
    code = serve.wait(timeout=30)
    mock.send_signal(signal.SIGTERM)
    mock.wait(timeout=30)

    def clean_exit_and_canary():
        assert code == 0, f"serve exited {code}"
        texts = list(seen_outputs)
        for handle in (serve_out, serve_err):
            handle.seek(0)
            texts.append(handle.read())
        for name in os.listdir(tmp):
            if name.startswith("ledger"):
                with open(os.path.join(tmp, name), "rb") as f:
                    texts.append(f.read().decode("utf-8", "replace"))
        assert all(CANARY not in text and "CANARY" not in text for text in texts), "canary key leaked"
        assert "ledger flushed" in texts[-2] or any("ledger flushed" in t for t in texts)

    check("SIGTERM exit 0; canary key in no response, log or ledger", clean_exit_and_canary)
    if failures:
        print(f"gateway SDK test: {len(failures)} failed: {', '.join(failures)}")
        sys.exit(1)
    print("gateway SDK test: all passed")


if __name__ == "__main__":
    main()
