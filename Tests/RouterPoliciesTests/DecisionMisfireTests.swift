import RouterPolicies
import Testing

/// Prompts on which a keyword used to fire outside its subject, and near-misses that must keep
/// routing as before. Each runs through the bundled default policy with no task named, so the
/// classifier and the structural signals decide.
let misfirePrompts: [LabelledPrompt] = [
    // "class" as in a school class: no code around it, so it is not a code review.
    .init(label: "school class word problem",
          input: .init(text: """
              Ms. Rivera's class has 28 students. Three quarters of them passed the spring maths test, \
              and of those who passed, two sevenths scored an A. How many students in the class scored \
              an A, and how many passed without one?
              """),
          tier: "haiku", task: "qa", reason: ["qa (fallback task) → haiku: score"]),
    // "proof" in a legal question: law is the prompt's subject, so the proof words do not pick
    // the Opus-pinned reasoning task; the legal vocabulary picks legal analysis.
    .init(label: "burden of proof in a negligence lawsuit",
          input: .init(text: """
              In a civil negligence lawsuit in New York, what is the burden of proof on the plaintiff, \
              and how does the preponderance of the evidence standard differ from proof beyond a \
              reasonable doubt in a criminal case? Can the defendant shift the burden by arguing \
              comparative negligence?
              """),
          tier: "sonnet", task: "legal-analysis", reason: ["legal-analysis (classified "]),
    // "prove" in a statistics question: science is the subject, so the word neither names the
    // reasoning task nor pins Opus. The tier comes from the score instead — a fully-firing
    // science domain plus questions reaches Opus's threshold on its own.
    .init(label: "statistics question that says prove",
          input: .init(text: """
              Our A/B test on the checkout page gave a p value of 0.04 with 1,200 users per arm. \
              Does that prove the new design converts better, or could it be a false positive? How \
              should we compute the confidence interval, and is a one-tailed test justified here?
              """),
          tier: "opus", task: "qa", reason: ["qa (fallback task) → opus: score", "science"]),
    // A competition-style number theory proof without the words "prove" or "theorem".
    .init(label: "prime divisibility proof",
          input: .init(text: """
              Show that for every prime p > 3, the number p² − 1 is divisible by 24. Give a rigorous \
              multi-step argument: factor p² − 1 as (p − 1)(p + 1), explain why one factor is divisible \
              by 4 and the other by 2, then why one of three consecutive integers is divisible by 3, \
              and conclude.
              """),
          tier: "opus", task: "reasoning", reason: ["reasoning (classified ", "fixed tier for task"]),
    // A non-compete question: legal analysis (before: the `qa` fallback at confidence 0.00), by
    // score between Sonnet and Opus.
    .init(label: "non-compete enforceability analysis",
          input: .init(text: """
              I'm a product manager in Austin, Texas. My employer wants me to sign a non-compete \
              agreement as a condition of a promotion: for 24 months after I leave I may not work for \
              any competitor anywhere in the United States, and I must repay my signing bonus if I \
              breach it. Is a non-compete like this enforceable under Texas law? What makes the \
              scope, duration and geography reasonable, could a court narrow the clause rather than \
              void it, and what should I ask to change before I sign?
              """),
          tier: "sonnet", task: "legal-analysis", reason: ["legal-analysis (classified ", "law"]),

    // Near-misses: the same words inside their own subject still decide.
    .init(label: "real code review of a Python class",
          input: .init(text: """
              Can you review this class before I merge it? I think there is a bug when the rate is zero.
              ```python
              class RateLimiter:
                  def __init__(self, rate):
                      self.rate = rate
                      self.tokens = rate

                  def allow(self):
                      if self.tokens > 0:
                          self.tokens -= 1
                          return True
                      return False
              ```
              """),
          tier: "sonnet", task: "code-review", reason: ["code-review (classified "]),
    .init(label: "proof of a theorem by induction",
          input: .init(text: "Prove by induction the theorem that the sum of the first n odd numbers is n², and state the lemma you use."),
          tier: "opus", task: "reasoning", reason: ["reasoning (classified ", "fixed tier for task"]),
    // One proof word in a mathematical question names the reasoning task, but 0.50 is below
    // pin_confidence: the score picks within the fallback range (Sonnet here), not a pinned Opus.
    .init(label: "single proof word is not a pin",
          input: .init(text: "Quick check: is every prime above 2 odd? A one-line proof modulo 2 is enough."),
          tier: "sonnet", task: "reasoning",
          reason: ["reasoning (classified 0.50) → sonnet: score", "low confidence: fallback task's range"]),
    // A one-line proof request: one proof word names the reasoning task at 0.50, below
    // pin_confidence, so the score decides within the fallback range; the blended score (the
    // learned part sees a maths proof) reaches Sonnet where the hand-made score alone gave Haiku.
    .init(label: "square root of 2 proof, one line",
          input: .init(text: "Prove that sqrt 2 is irrational"),
          tier: "sonnet", task: "reasoning",
          reason: ["reasoning (classified 0.50) → sonnet: score", "low confidence: fallback task's range"]),
    // "Prove the …" and "rigorously" are proof phrasing of the maths domain, so the reasoning
    // rule's context holds and two of its words pin Opus (it went to Haiku when only "prove that"
    // counted).
    .init(label: "rigorous textbook proof, 'prove the'",
          input: .init(text: "Prove the Cauchy-Schwarz inequality for inner product spaces and derive the triangle inequality from it rigorously."),
          tier: "opus", task: "reasoning", reason: ["reasoning (classified 0.67) → opus: fixed tier for task"]),
    // The same words in a legal question stay legal: the law domain outweighs the proof phrase.
    .init(label: "'prove the' in a contract dispute",
          input: .init(text: "The plaintiff must prove the defendant breached the contract. Is the non-compete clause enforceable?"),
          tier: "sonnet", task: "legal-analysis", reason: ["legal-analysis (classified 0.86) → sonnet"]),
    // A weak guess may still save money: a cheap fixed tier (at or below the fallback task's
    // lowest) applies at any confidence.
    .init(label: "weak guess of a cheap task keeps its tier",
          input: .init(text: "Label this tweet: 'so happy the train was on time today'"),
          tier: "haiku", task: "classification", reason: ["classification (classified 0.50) → haiku: fixed tier for task"]),
]

@Suite("Decisions on keyword misfires and near-misses")
struct DecisionMisfireTests {
    @Test(arguments: misfirePrompts)
    func promptRoutesAsExpected(_ prompt: LabelledPrompt) {
        DecisionLabelledPromptTests.expectRoute(prompt)
    }
}
