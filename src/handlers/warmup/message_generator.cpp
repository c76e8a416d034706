#include "handlers/warmup/message_generator.hpp"

#include <vector>

#include "handlers/warmup/seeded_random.hpp"
#include "mail/codec.hpp"

namespace postwork::handlers::warmup {
namespace {
using Phrases = std::vector<std::string>;

// {topic} in a phrase is replaced by the message's topic.
const Phrases kTopics = {
    "the quarterly review",    "next week's workshop", "the onboarding checklist",
    "the supplier contract",   "the team offsite",     "the new pricing page",
    "the customer interviews", "the budget draft",     "Thursday's planning session",
    "the product roadmap",     "the hiring plan",      "the support backlog",
    "the conference booth",    "the partner webinar",  "the design review",
    "the invoice process",     "the office move",      "the training schedule"};

const Phrases kSubjects = {
    "Quick question about {topic}", "Following up on {topic}",   "Thoughts on {topic}?",
    "Notes from {topic}",           "A small update on {topic}", "Can we talk about {topic}",
    "Checking in: {topic}",         "Re-reading {topic}",        "Ideas for {topic}",
    "Next steps for {topic}"};

const Phrases kGreetings = {"Hi {name},",           "Hello {name},",    "Hey {name},",
                            "Good morning {name},", "Hi there {name},", "Dear {name},"};

const Phrases kOpeners = {"I hope your week is going well.",
                          "Thanks again for the quick reply last time.",
                          "I was going through my notes this morning and thought of you.",
                          "Sorry for the slow follow-up, it has been a busy few days.",
                          "It was good to catch up the other day.",
                          "I wanted to share something before I forget."};

const Phrases kMiddles = {
    "I put together a few points on {topic} and would love a second pair of eyes.",
    "Do you think we could move {topic} to the end of the month?",
    "The first draft of {topic} is ready, and most of it looks solid to me.",
    "A couple of people asked me about {topic}, so I started a short summary.",
    "I think we can simplify {topic} quite a bit if we drop the extra step.",
    "Could you let me know which parts of {topic} still need work?",
    "I spoke with the team about {topic} and everyone seems on board.",
    "Before we finalise {topic}, I would like to check the numbers once more."};

const Phrases kClosers = {"Let me know what you think when you have a minute.",
                          "No rush at all, whenever suits you.",
                          "Happy to jump on a call if that is easier.",
                          "Thanks in advance for your help.",
                          "Looking forward to hearing from you.",
                          "Talk soon."};

const Phrases kSignOffs = {"Best,",         "Thanks,",       "Cheers,",
                           "Kind regards,", "All the best,", "Best wishes,"};

const Phrases kReplies = {
    "Thanks for the note, this looks good to me.",
    "Great, thanks for sending this over. I will take a closer look tomorrow.",
    "Sounds good. Let us go with that plan.",
    "Appreciate the update! A couple of small comments, but nothing blocking.",
    "Thanks, that makes sense. I will share it with the rest of the team.",
    "Perfect timing, I was just thinking about this. Happy to help.",
    "Got it, thank you. Let me check my calendar and come back to you."};

std::string Fill(std::string text, const std::string& key, const std::string& value) {
  for (size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos)) {
    text.replace(pos, key.size(), value);
    pos += value.size();
  }
  return text;
}

std::string FirstName(const std::string& display_name, const std::string& fallback) {
  size_t start = display_name.find_first_not_of(' ');
  if (start == std::string::npos) return fallback;
  size_t end = display_name.find(' ', start);
  return display_name.substr(start, end == std::string::npos ? end : end - start);
}

std::string SignOff(SeededRandom& rng, const std::string& sender_name) {
  std::string name = FirstName(sender_name, "");
  return rng.Pick(kSignOffs) + (name.empty() ? "" : "\n" + name);
}
}  // namespace

GeneratedText GenerateWarmupEmail(const std::string& seed, const std::string& sender_name,
                                  const std::string& recipient_name) {
  SeededRandom rng("warmup-email:" + seed);
  const std::string& topic = rng.Pick(kTopics);
  std::string subject = Fill(rng.Pick(kSubjects), "{topic}", topic);
  std::string greeting = Fill(rng.Pick(kGreetings), "{name}", FirstName(recipient_name, "there"));
  std::string body = greeting + "\n\n" + rng.Pick(kOpeners) + " ";
  // One or two middle sentences, never the same one twice.
  size_t first = rng.Below(kMiddles.size());
  body += Fill(kMiddles[first], "{topic}", topic);
  if (rng.Below(2) == 1) {
    size_t second = (first + 1 + rng.Below(kMiddles.size() - 1)) % kMiddles.size();
    body += " " + Fill(kMiddles[second], "{topic}", topic);
  }
  body += "\n\n" + rng.Pick(kClosers) + "\n\n" + SignOff(rng, sender_name) + "\n";
  return {.subject = std::move(subject), .body = std::move(body)};
}

GeneratedText GenerateWarmupReply(const std::string& seed, const std::string& original_subject,
                                  const std::string& sender_name,
                                  const std::string& recipient_name) {
  SeededRandom rng("warmup-reply:" + seed);
  bool has_re = original_subject.size() >= 3 && (original_subject.compare(0, 3, "Re:") == 0 ||
                                                 original_subject.compare(0, 3, "RE:") == 0);
  std::string subject = has_re ? original_subject : "Re: " + original_subject;
  std::string body = Fill(rng.Pick(kGreetings), "{name}", FirstName(recipient_name, "there")) +
                     "\n\n" + rng.Pick(kReplies) + "\n\n" + SignOff(rng, sender_name) + "\n";
  return {.subject = std::move(subject), .body = std::move(body)};
}

std::string WarmupTag(const std::string& tenant_id, const std::string& account_id) {
  return mail::Sha256Hex("postwork-warmup\n" + tenant_id + "\n" + account_id).substr(0, 16);
}

bool ChosenForReply(const std::string& message_id, int rate_pct) {
  if (rate_pct <= 0) return false;
  if (rate_pct >= 100) return true;
  return StableHash("reply:" + message_id) % 100 < static_cast<uint64_t>(rate_pct);
}

}  // namespace postwork::handlers::warmup
