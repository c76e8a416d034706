#include "webhook/ssrf_guard.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace postwork::webhook {
namespace {

// Deterministic DNS: unknown names fail to resolve, and every lookup is recorded.
class FakeDns {
 public:
  void Add(const std::string& host, const std::vector<std::string>& addresses) {
    std::vector<IpAddress> parsed;
    for (const std::string& a : addresses) parsed.push_back(*IpAddress::Parse(a));
    answers_[host] = parsed;
  }
  Resolver resolver() {
    return [this](const std::string& host) {
      lookups_.push_back(host);
      const auto it = answers_.find(host);
      if (it == answers_.end()) return ResolveResult{{}, "cannot resolve host: Name or service not known"};
      return ResolveResult{it->second, {}};
    };
  }
  const std::vector<std::string>& lookups() const { return lookups_; }

 private:
  std::map<std::string, std::vector<IpAddress>> answers_;
  std::vector<std::string> lookups_;
};

class WebhookSsrfGuard : public ::testing::Test {
 protected:
  GuardDecision Check(const std::string& url, const std::vector<std::string>& allow = {}) {
    return SsrfGuard(SsrfAllowlist::Parse(allow), dns_.resolver()).Check(url);
  }
  FakeDns dns_;
};

TEST_F(WebhookSsrfGuard, AllowsPublicHostAndPinsFirstAddress) {
  dns_.Add("hooks.example.com", {"93.184.216.34", "93.184.216.35"});
  const GuardDecision d = Check("https://hooks.example.com/postwork?x=1#frag");
  ASSERT_TRUE(d.allowed()) << d.reason;
  ASSERT_TRUE(d.target);
  EXPECT_EQ(d.target->url.scheme, "https");
  EXPECT_EQ(d.target->url.host, "hooks.example.com");
  EXPECT_EQ(d.target->url.port, 443);
  EXPECT_EQ(d.target->url.url, "https://hooks.example.com/postwork?x=1");
  EXPECT_EQ(d.target->address.ToString(), "93.184.216.34");
  EXPECT_EQ(d.target->resolved.size(), 2u);
  EXPECT_EQ(d.target->CurlConnectTo(), "::93.184.216.34:443");
  EXPECT_EQ(dns_.lookups(), std::vector<std::string>{"hooks.example.com"});
}

TEST_F(WebhookSsrfGuard, NormalizesSchemeHostAndPort) {
  dns_.Add("hooks.example.com", {"93.184.216.34"});
  const GuardDecision d = Check("HTTP://Hooks.Example.COM:8080/in");
  ASSERT_TRUE(d.allowed()) << d.reason;
  EXPECT_EQ(d.target->url.scheme, "http");
  EXPECT_EQ(d.target->url.host, "hooks.example.com");
  EXPECT_EQ(d.target->url.port, 8080);
  EXPECT_EQ(d.target->CurlConnectTo(), "::93.184.216.34:8080");
}

TEST_F(WebhookSsrfGuard, PinsIpv6WithBrackets) {
  dns_.Add("v6.example.com", {"2606:4700:4700::1111"});
  const GuardDecision d = Check("http://v6.example.com/");
  ASSERT_TRUE(d.allowed()) << d.reason;
  EXPECT_EQ(d.target->url.port, 80);
  EXPECT_EQ(d.target->CurlConnectTo(), "::[2606:4700:4700::1111]:80");
}

TEST_F(WebhookSsrfGuard, RefusesNonHttpSchemesWithoutResolving) {
  for (const char* url : {"ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/",
                          "dict://example.com:11211/", "ldap://example.com/", "smtp://example.com/",
                          "ws://example.com/", "example.com/hook", "//example.com/hook",
                          "javascript:alert(1)", ""}) {
    const GuardDecision d = Check(url);
    EXPECT_EQ(d.status, GuardStatus::kInvalidUrl) << url;
    EXPECT_FALSE(d.target) << url;
  }
  EXPECT_TRUE(dns_.lookups().empty());
}

TEST_F(WebhookSsrfGuard, RefusesCredentialsInAnyForm) {
  dns_.Add("example.com", {"93.184.216.34"});
  for (const char* url : {"https://user:pass@example.com/", "https://user@example.com/",
                          "https://:pass@example.com/", "https://trusted.com@example.com/",
                          "https://user%40x:p@example.com/"}) {
    const GuardDecision d = Check(url);
    EXPECT_EQ(d.status, GuardStatus::kInvalidUrl) << url;
    EXPECT_EQ(d.reason, "URL must not contain credentials") << url;
  }
  EXPECT_TRUE(dns_.lookups().empty());
}

TEST_F(WebhookSsrfGuard, ReasonsNeverEchoTheUrl) {
  const GuardDecision creds = Check("https://admin:hunter2@example.com/hook/tok_SECRET?key=k1");
  EXPECT_EQ(creds.reason.find("hunter2"), std::string::npos);
  EXPECT_EQ(creds.reason.find("tok_SECRET"), std::string::npos);

  dns_.Add("inside.example.com", {"10.0.0.7"});
  const GuardDecision refused = Check("https://inside.example.com/hook/tok_SECRET?key=k1");
  ASSERT_EQ(refused.status, GuardStatus::kRefused);
  EXPECT_EQ(refused.reason.find("tok_SECRET"), std::string::npos);
  EXPECT_EQ(refused.reason.find("key=k1"), std::string::npos);

  const GuardDecision bad = Check("https://exa mple.com/tok_SECRET");
  EXPECT_EQ(bad.status, GuardStatus::kInvalidUrl);
  EXPECT_EQ(bad.reason.find("tok_SECRET"), std::string::npos);
}

TEST_F(WebhookSsrfGuard, RefusesMalformedUrls) {
  for (const std::string& url : {std::string("http://"), std::string("http://example.com:0/"),
                                std::string("http://example.com:65536/"),
                                std::string("http://exa mple.com/"),
                                std::string("https://[fe80::1%25eth0]/"),
                                std::string("http://example.com\0.evil.com/", 29)}) {
    const GuardDecision d = Check(url);
    EXPECT_EQ(d.status, GuardStatus::kInvalidUrl) << url;
  }
}

TEST_F(WebhookSsrfGuard, RefusesIfAnyAddressIsNotPublic) {
  dns_.Add("mixed-a.example.com", {"93.184.216.34", "10.0.0.1"});
  dns_.Add("mixed-b.example.com", {"10.0.0.1", "93.184.216.34"});
  dns_.Add("mixed-c.example.com", {"2606:4700::1", "::1"});
  dns_.Add("mixed-d.example.com", {"93.184.216.34", "::ffff:169.254.169.254"});
  for (const char* url : {"http://mixed-a.example.com/", "http://mixed-b.example.com/",
                          "http://mixed-c.example.com/", "http://mixed-d.example.com/"}) {
    const GuardDecision d = Check(url);
    EXPECT_EQ(d.status, GuardStatus::kRefused) << url;
    EXPECT_FALSE(d.target);
  }
  const GuardDecision d = Check("http://mixed-a.example.com/");
  EXPECT_EQ(d.reason, "host mixed-a.example.com resolves to private address 10.0.0.1");
}

TEST_F(WebhookSsrfGuard, RefusesEveryNonPublicClassViaDns) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"127.0.0.1", "loopback"},        {"127.9.9.9", "loopback"},
      {"::1", "loopback"},              {"10.1.1.1", "private"},
      {"172.20.0.1", "private"},        {"192.168.0.10", "private"},
      {"fd00::1", "private"},           {"169.254.169.254", "link-local"},
      {"fe80::1", "link-local"},        {"100.64.1.1", "carrier-grade-nat"},
      {"224.0.0.251", "multicast"},     {"ff02::fb", "multicast"},
      {"0.0.0.0", "unspecified"},       {"::", "unspecified"},
      {"255.255.255.255", "broadcast"}, {"0.1.2.3", "this-network"},
      {"240.0.0.1", "reserved"},        {"::ffff:127.0.0.1", "ipv4-mapped"},
      {"::127.0.0.1", "ipv4-compatible"}, {"64:ff9b::a9fe:a9fe", "link-local"},
      {"2002:7f00:1::1", "loopback"},
  };
  for (const auto& [address, name] : cases) {
    dns_.Add("evil.example.com", {address});
    const GuardDecision d = Check("https://evil.example.com/");
    EXPECT_EQ(d.status, GuardStatus::kRefused) << address;
    EXPECT_NE(d.reason.find(name + " address"), std::string::npos) << d.reason;
  }
}

TEST_F(WebhookSsrfGuard, ResolutionFailureIsReportedSeparately) {
  const GuardDecision d = Check("https://nxdomain.example.com/");
  EXPECT_EQ(d.status, GuardStatus::kResolveFailed);
  EXPECT_NE(d.reason.find("nxdomain.example.com"), std::string::npos);
  EXPECT_FALSE(d.target);
}

TEST_F(WebhookSsrfGuard, AllowlistedCidrPermitsOnlyItsAddresses) {
  dns_.Add("internal.example.com", {"10.20.30.40"});
  dns_.Add("half.example.com", {"10.20.30.40", "127.0.0.1"});
  EXPECT_EQ(Check("http://internal.example.com/").status, GuardStatus::kRefused);
  const GuardDecision ok = Check("http://internal.example.com/", {"10.20.0.0/16"});
  ASSERT_TRUE(ok.allowed()) << ok.reason;
  EXPECT_EQ(ok.target->address.ToString(), "10.20.30.40");
  EXPECT_EQ(Check("http://internal.example.com/", {"10.21.0.0/16"}).status, GuardStatus::kRefused);
  // Every address still has to pass, allowlisted or public.
  EXPECT_EQ(Check("http://half.example.com/", {"10.20.0.0/16"}).status, GuardStatus::kRefused);
}

TEST_F(WebhookSsrfGuard, AllowlistedSingleAddress) {
  dns_.Add("127.0.0.1", {"127.0.0.1"});
  EXPECT_EQ(Check("http://127.0.0.1:8080/").status, GuardStatus::kRefused);
  const GuardDecision d = Check("http://127.0.0.1:8080/", {"127.0.0.1"});
  ASSERT_TRUE(d.allowed()) << d.reason;
  EXPECT_EQ(d.target->CurlConnectTo(), "::127.0.0.1:8080");
  // A v4 allowlist entry does not extend to the mapped v6 spelling.
  dns_.Add("::ffff:127.0.0.1", {"::ffff:127.0.0.1"});
  EXPECT_EQ(Check("http://[::ffff:127.0.0.1]:8080/", {"127.0.0.1"}).status,
            GuardStatus::kRefused);
}

TEST_F(WebhookSsrfGuard, AllowlistedHostNameMayResolveAnywhere) {
  dns_.Add("hooks.corp.internal", {"192.168.5.5", "fd00::5"});
  dns_.Add("hooks.corp.internal.", {"192.168.5.5"});
  dns_.Add("other.corp.internal", {"192.168.5.6"});
  const std::vector<std::string> allow = {"Hooks.Corp.Internal."};
  EXPECT_TRUE(Check("http://hooks.corp.internal/", allow).allowed());
  EXPECT_TRUE(Check("http://HOOKS.corp.internal./", allow).allowed());
  EXPECT_EQ(Check("http://other.corp.internal/", allow).status, GuardStatus::kRefused);
  // Exact names only: no implicit subdomain matching.
  dns_.Add("x.hooks.corp.internal", {"192.168.5.7"});
  EXPECT_EQ(Check("http://x.hooks.corp.internal/", allow).status, GuardStatus::kRefused);
}

TEST(WebhookSsrfAllowlist, RejectsBadEntries) {
  for (const char* entry : {"", "10.0.0.1/8", "300.1.1.1", "10.0.0.0/33", "bad host",
                            "http://example.com", "example.com/path", "*.example.com",
                            "1.2.3"}) {
    EXPECT_THROW(SsrfAllowlist::Parse({entry}), std::invalid_argument) << entry;
  }
  EXPECT_NO_THROW(SsrfAllowlist::Parse({"10.0.0.0/8", "::1", "fd00::/8", "hooks.example.com"}));
}

TEST(WebhookSsrfAllowlist, Matching) {
  const SsrfAllowlist allow = SsrfAllowlist::Parse({"10.0.0.0/8", "fd00::/8", "a.example"});
  EXPECT_TRUE(allow.AllowsAddress(IpAddress::V4(10, 9, 8, 7)));
  EXPECT_FALSE(allow.AllowsAddress(IpAddress::V4(11, 0, 0, 0)));
  EXPECT_TRUE(allow.AllowsAddress(*IpAddress::Parse("fd12::1")));
  EXPECT_FALSE(allow.AllowsAddress(*IpAddress::Parse("fc00::1")));
  EXPECT_TRUE(allow.AllowsHost("A.EXAMPLE"));
  EXPECT_FALSE(allow.AllowsHost("b.example"));
}

TEST(WebhookSsrfGuardNames, StatusNames) {
  EXPECT_EQ(ToString(GuardStatus::kAllowed), "allowed");
  EXPECT_EQ(ToString(GuardStatus::kInvalidUrl), "invalid-url");
  EXPECT_EQ(ToString(GuardStatus::kRefused), "refused");
  EXPECT_EQ(ToString(GuardStatus::kResolveFailed), "resolve-failed");
}

// The real resolver accepts the legacy inet_aton spellings of 127.0.0.1; the
// guard must see through all of them. Numeric forms never touch the network.
TEST(WebhookSystemResolve, OddNumericFormsResolveToLoopback) {
  for (const char* host : {"2130706433", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1", "127.1",
                           "0x7f000001", "017700000001", "127.0.1"}) {
    const ResolveResult r = SystemResolve(host);
    ASSERT_EQ(r.addresses.size(), 1u) << host << ": " << r.error;
    EXPECT_EQ(r.addresses.front(), IpAddress::V4(127, 0, 0, 1)) << host;
  }
}

TEST(WebhookSystemResolve, ReportsFailure) {
  const ResolveResult r = SystemResolve("name with spaces.invalid");
  EXPECT_TRUE(r.addresses.empty());
  EXPECT_FALSE(r.error.empty());
}

TEST(WebhookSsrfGuardSystem, RefusesInternalTargetsInEveryLiteralSpelling) {
  const SsrfGuard guard;  // real getaddrinfo, empty allowlist
  for (const char* url : {
           "http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://0x7f.0.0.1/",
           "http://0177.0.0.1/", "http://127.1/", "http://0x7f000001/", "http://017700000001/",
           "http://0/", "http://0.0.0.0/", "http://[::]/", "http://[::1]/",
           "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
           "http://[::127.0.0.1]/", "http://169.254.169.254/latest/meta-data/",
           "http://0xa9fea9fe/", "http://2852039166/", "http://[fe80::1]/", "http://[fd00::1]/",
           "http://10.0.0.1/", "http://012.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/",
           "http://100.64.0.1/", "http://224.0.0.1/", "http://255.255.255.255/",
           "http://240.0.0.1/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/",
           "http://[ff02::1]/", "http://localhost/", "http://LocalHost:8080/",
       }) {
    const GuardDecision d = guard.Check(url);
    EXPECT_EQ(d.status, GuardStatus::kRefused) << url << " -> " << ToString(d.status) << ": "
                                               << d.reason;
  }
}

TEST(WebhookSsrfGuardSystem, AllowsPublicLiteral) {
  const SsrfGuard guard;
  const GuardDecision d = guard.Check("https://8.8.8.8/hook");
  ASSERT_TRUE(d.allowed()) << d.reason;
  EXPECT_EQ(d.target->CurlConnectTo(), "::8.8.8.8:443");
}

}  // namespace
}  // namespace postwork::webhook
