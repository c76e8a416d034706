#pragma once
// The server side of an IMAP conversation, as libcurl hands it over (every
// response line, CRLF included), parsed into the few answers the IMAP client
// needs: CAPABILITY, LIST, SEARCH and FETCH (RFC 3501 / 9051 section 7).
// Pure functions over text, unit-tested without a server.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postwork::mail {

// One parsed item of an untagged response: an atom ("FETCH", "\\Seen",
// "BODY[HEADER.FIELDS (FROM)]"), a quoted string or literal (both kString,
// text decoded), NIL, or a parenthesized list.
struct ImapToken {
  enum class Kind { kAtom, kString, kNil, kList };
  Kind kind = Kind::kAtom;
  std::string text{};
  std::vector<ImapToken> items{};  // kList

  bool IsAtom(std::string_view name) const;  // case-insensitive
};

// "* ..." responses in order, as token lists (the "*" itself dropped). Status
// responses (OK, NO, BAD, BYE, PREAUTH) carry free text and are kept only as
// their first atom. Tagged and continuation lines are skipped. Throws
// ImapError (not retryable) on a malformed response.
std::vector<std::vector<ImapToken>> ParseUntagged(std::string_view transcript);

// The text of the last tagged NO/BAD line ("A004 NO [TRYCREATE] ..."), "" if none.
std::string TaggedFailure(std::string_view transcript);

// Upper-cased capability names from "* CAPABILITY ..." responses.
std::vector<std::string> ParseCapabilities(std::string_view transcript);

struct ImapMailbox {
  std::string name{};                                   // as the server spells it (modified UTF-7)
  std::vector<std::string> attributes{};                // "\\Junk", "\\HasNoChildren", ...
  bool HasAttribute(std::string_view attribute) const;  // case-insensitive
};
std::vector<ImapMailbox> ParseList(std::string_view transcript);

// UIDs (or sequence numbers) from "* SEARCH ..." responses.
std::vector<uint32_t> ParseSearch(std::string_view transcript);

struct ImapFetched {
  uint32_t sequence = 0;
  std::optional<uint32_t> uid{};
  std::vector<std::string> flags{};
  std::string headers{};  // the BODY[HEADER...] / RFC822.HEADER bytes, if fetched
  bool HasFlag(std::string_view flag) const;  // case-insensitive
};
std::vector<ImapFetched> ParseFetch(std::string_view transcript);

// The value of header `name` in a header block (unfolded, first occurrence),
// nullopt when absent. For the small blocks FETCH returns.
std::optional<std::string> HeaderValue(std::string_view headers, std::string_view name);

// `text` as an IMAP quoted string ("INBOX" -> "\"INBOX\""), escaping \ and ".
// Throws ImapError for CR/LF/NUL, which no quoted string may hold.
std::string ImapQuote(std::string_view text);

// "1,5,7" from a list of UIDs (sorted, duplicates removed; ranges not needed).
std::string UidSet(std::vector<uint32_t> uids);

}  // namespace postwork::mail
