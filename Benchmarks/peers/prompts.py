"""Writes the prompt set both routers decide over (short, ~2,000-token, ~20,000-token) as JSON.

Usage: python3 prompts.py OUT.json   — deterministic (no randomness), standard library only.
Token counts follow the mock's and the policy's estimate: ~4 characters per token.
"""
import json
import sys

SHORT = "What's the capital of France? Answer in one word."

# Mixed prose, code, requirements and domain vocabulary, so keyword scorers have work to do.
PARAGRAPHS = [
    "We need to migrate the billing service from the legacy monolith to the new event-driven "
    "architecture. First, identify every place the invoice table is written; then design an "
    "idempotent consumer that replays the ledger events without double-charging customers.",
    "def reconcile(ledger, invoices):\n    totals = {}\n    for entry in ledger:\n"
    "        totals[entry.account] = totals.get(entry.account, 0) + entry.amount\n"
    "    return [i for i in invoices if totals.get(i.account) != i.total]\n",
    "The contract's indemnification clause and the limitation of liability must be reviewed "
    "against the jurisdiction's statutory requirements before the amendment is executed.",
    "Explain step by step why the distributed lock can deadlock under a network partition, "
    "and propose a fencing-token scheme with a proof sketch of its safety property.",
    "Patient presents with intermittent tachycardia; summarise the differential diagnosis and "
    "the contraindications of beta blockers given the existing anticoagulant therapy.",
    "Requirements: the API must return within 200 ms at p99, support pagination with opaque "
    "cursors, and reject requests whose JSON body exceeds 1 MiB with a 413 status.",
]


def prompt(tokens: int) -> str:
    target = tokens * 4
    parts = []
    length = 0
    index = 0
    while length < target:
        paragraph = PARAGRAPHS[index % len(PARAGRAPHS)]
        parts.append(paragraph)
        length += len(paragraph) + 2
        index += 1
    return "\n\n".join(parts)[:target]


def prompt_set() -> list:
    return [
        {"name": "short", "text": SHORT},
        {"name": "2,000 tokens", "text": prompt(2_000)},
        {"name": "20,000 tokens", "text": prompt(20_000)},
    ]


if __name__ == "__main__":
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(prompt_set(), out)
