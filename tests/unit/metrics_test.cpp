// The metrics registry and its text format, checked by a strict parser.
#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/job_metrics.hpp"
#include "http/dashboard_auth.hpp"
#include "http/listener.hpp"
#include "support/prometheus_text.hpp"

namespace postwork::core::metrics {
namespace {
using testing::PromText;

TEST(MetricsRegistry, RendersCountersGaugesAndHistogramsThatParse) {
  Registry r;
  auto& jobs =
      r.AddCounter("demo_jobs_total", "Jobs.\nSecond line with a \\ backslash.", {"queue"});
  auto& depth = r.AddGauge("demo_depth", "Depth.", {"queue", "state"});
  auto& latency = r.AddHistogram("demo_latency_seconds", "Latency.", {"queue"}, {0.1, 1, 10});
  jobs.With({"queue:a"}).Inc();
  jobs.With({"queue:a"}).Inc(2);
  jobs.With({"we\"ird\\q\nname"}).Inc();
  depth.With({"queue:a", "ready"}).Set(7);
  for (double v : {0.05, 0.1, 0.5, 3.0, 30.0}) latency.With({"queue:a"}).Observe(v);

  auto text = r.Render();
  auto parsed = PromText::Parse(text);
  EXPECT_EQ(parsed.Family("demo_jobs_total").type, "counter");
  EXPECT_EQ(parsed.Value("demo_jobs_total", {{"queue", "queue:a"}}), 3);
  EXPECT_EQ(parsed.Value("demo_jobs_total", {{"queue", "we\"ird\\q\nname"}}), 1);
  EXPECT_EQ(parsed.Value("demo_depth", {{"queue", "queue:a"}, {"state", "ready"}}), 7);
  // le is inclusive: 0.1 falls in the 0.1 bucket.
  EXPECT_EQ(parsed.Value("demo_latency_seconds_bucket", {{"queue", "queue:a"}, {"le", "0.1"}}), 2);
  EXPECT_EQ(parsed.Value("demo_latency_seconds_bucket", {{"queue", "queue:a"}, {"le", "1"}}), 3);
  EXPECT_EQ(parsed.Value("demo_latency_seconds_bucket", {{"queue", "queue:a"}, {"le", "10"}}), 4);
  EXPECT_EQ(parsed.Value("demo_latency_seconds_bucket", {{"queue", "queue:a"}, {"le", "+Inf"}}), 5);
  EXPECT_EQ(parsed.Value("demo_latency_seconds_count", {{"queue", "queue:a"}}), 5);
  EXPECT_DOUBLE_EQ(parsed.Value("demo_latency_seconds_sum", {{"queue", "queue:a"}}), 33.65);
  EXPECT_NE(text.find("# HELP demo_jobs_total Jobs.\\nSecond line with a \\\\ backslash.\n"),
            std::string::npos);
}

TEST(MetricsRegistry, RefusesBadNamesDuplicatesAndBuckets) {
  Registry r;
  EXPECT_THROW(r.AddCounter("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.AddCounter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.AddGauge("ok", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.AddHistogram("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(r.AddHistogram("h", "x", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(r.AddHistogram("h", "x", {}, {}), std::invalid_argument);
  r.AddGauge("g", "x");
  EXPECT_THROW(r.AddCounter("g", "x"), std::invalid_argument);
  auto& c = r.AddCounter("c_total", "x", {"a", "b"});
  EXPECT_THROW(c.With({"only-one"}), std::invalid_argument);
}

TEST(MetricsRegistry, CountsExactlyUnderConcurrentUse) {
  Registry r;
  auto& c = r.AddCounter("n_total", "x", {"queue"});
  auto& h = r.AddHistogram("d_seconds", "x", {"queue"}, {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        c.With({t % 2 ? "a" : "b"}).Inc();
        h.With({"a"}).Observe(1.0);
      }
    });
  }
  for (auto& t : threads) t.join();
  auto parsed = PromText::Parse(r.Render());
  EXPECT_EQ(parsed.Value("n_total", {{"queue", "a"}}) + parsed.Value("n_total", {{"queue", "b"}}),
            80000);
  EXPECT_EQ(parsed.Value("d_seconds_count", {{"queue", "a"}}), 80000);
  EXPECT_EQ(parsed.Value("d_seconds_sum", {{"queue", "a"}}), 80000);
}

TEST(MetricsFormat, ValuesUseTheFormatsFloatSyntax) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(NAN), "NaN");
}

TEST(JobMetricsTest, CountsOutcomesAndTimesPerQueue) {
  JobMetrics m;
  using Kind = FinishRecord::Kind;
  m.Started("queue:q", 1, 1000, 1250);
  m.Started("queue:q", 2, 1000, 9000);  // a retry: its wait is not start latency
  m.Started("queue:q", 1, 0, 9000);     // no enqueued_at
  m.Finished(
      {.kind = Kind::kCompleted, .queue = "queue:q", .started_ms = 1000, .finished_ms = 1100});
  m.Finished({.kind = Kind::kRetry, .queue = "queue:q", .started_ms = 1000, .finished_ms = 1300});
  m.Finished({.kind = Kind::kFailed, .queue = "queue:q", .started_ms = 1000, .finished_ms = 1000});
  m.Finished({.kind = Kind::kRequeue, .queue = "queue:q"});
  m.Reclaimed({.queue = "queue:q", .dead = true});
  auto p = PromText::Parse(m.registry().Render());
  std::map<std::string, std::string> q = {{"queue", "queue:q"}};
  EXPECT_EQ(p.Value("postwork_jobs_processed_total", q), 1);
  EXPECT_EQ(p.Value("postwork_jobs_failed_total", q), 2);
  EXPECT_EQ(p.Value("postwork_jobs_retried_total", q), 1);
  EXPECT_EQ(p.Value("postwork_jobs_dead_lettered_total", q), 2);  // one failed, one reclaimed
  EXPECT_EQ(p.Value("postwork_jobs_reclaimed_total", q), 1);
  EXPECT_EQ(p.Value("postwork_job_duration_seconds_count", q), 3);
  EXPECT_DOUBLE_EQ(p.Value("postwork_job_duration_seconds_sum", q), 0.4);
  EXPECT_EQ(p.Value("postwork_job_start_latency_seconds_count", q), 1);
  EXPECT_DOUBLE_EQ(p.Value("postwork_job_start_latency_seconds_sum", q), 0.25);
}

TEST(PromTextParser, IsStrict) {
  auto bad = [](const std::string& text) { EXPECT_ANY_THROW(PromText::Parse(text)) << text; };
  bad("x 1\n");                                         // no TYPE/HELP
  bad("# HELP x h\n# TYPE x gauge\nx 1");               // no final newline
  bad("# HELP x h\n# TYPE x gauge\nx{a=\"1} 1\n");      // unterminated
  bad("# HELP x h\n# TYPE x gauge\nx{a=\"\\t\"} 1\n");  // bad escape
  bad("# HELP x h\n# TYPE x gauge\nx 1\nx 2\n");        // duplicate series
  bad("# HELP x h\n# TYPE x counter\nx 1\n");           // counter without _total
  bad("# HELP x_total h\n# TYPE x_total counter\nx_total -1\n");
  bad("# HELP x h\n# TYPE x gauge\nx one\n");
  bad("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n");  // not cumulative
  bad("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");  // no +Inf
  bad("# HELP a h\n# TYPE a gauge\n# HELP b h\n# TYPE b gauge\nb 1\na 1\n");          // interleaved
  EXPECT_NO_THROW(PromText::Parse("# HELP a h\n# TYPE a gauge\na{x=\"\\\"\\n\\\\\"} NaN\n"));
}

}  // namespace
}  // namespace postwork::core::metrics

namespace postwork::http {
namespace {
TEST(ListenAddress, ParsesHostAndPort) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8080").port, 8080);
  EXPECT_EQ(ParseListenAddress("[::1]:9000").host, "::1");
  EXPECT_EQ(ParseListenAddress(":7000").host, "127.0.0.1");
  EXPECT_THROW(ParseListenAddress("localhost"), std::exception);
  EXPECT_THROW(ParseListenAddress("127.0.0.1:99999"), std::exception);
  EXPECT_THROW(ParseListenAddress("127.0.0.1:80a"), std::exception);
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("localhost.evil.com"));
}

TEST(DashboardAuth, ReadsFreeOnLoopbackActionsNeedTheToken) {
  AuthPolicy loopback{.token = "s3cret", .loopback = true};
  auto req = [](std::string method, std::string path, std::string host, std::string auth = "") {
    return AuthRequest{.method = std::move(method),
                       .path = std::move(path),
                       .host_header = std::move(host),
                       .authorization_header = std::move(auth)};
  };
  EXPECT_FALSE(Authorize(loopback, req("GET", "/api/overview", "127.0.0.1:8080")));
  EXPECT_FALSE(Authorize(loopback, req("GET", "/", "localhost:8080")));
  EXPECT_FALSE(Authorize(loopback, req("GET", "/api/jobs", "[::1]:8080")));
  EXPECT_EQ(Authorize(loopback, req("POST", "/api/dlq/retry-all", "127.0.0.1"))->status, 401);
  EXPECT_EQ(Authorize(loopback, req("DELETE", "/api/jobs/x", "127.0.0.1", "Bearer wrong"))->status,
            401);
  EXPECT_EQ(Authorize(loopback, req("POST", "/api/jobs/x/retry", "127.0.0.1", "s3cret"))->status,
            401);
  EXPECT_FALSE(Authorize(loopback, req("POST", "/api/jobs/x/retry", "127.0.0.1", "Bearer s3cret")));
  // DNS rebinding: a page on evil.example resolving to 127.0.0.1.
  EXPECT_EQ(Authorize(loopback, req("GET", "/api/overview", "evil.example:8080"))->status, 403);

  AuthPolicy no_token{.token = "", .loopback = true};
  auto denied = Authorize(no_token, req("POST", "/api/jobs/x/retry", "127.0.0.1", "Bearer "));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_NE(denied->error.find("POSTWORK_DASHBOARD_TOKEN"), std::string::npos);

  AuthPolicy exposed{.token = "s3cret", .loopback = false};
  EXPECT_EQ(Authorize(exposed, req("GET", "/api/overview", "dash.example.com"))->status, 401);
  EXPECT_FALSE(
      Authorize(exposed, req("GET", "/api/overview", "dash.example.com", "Bearer s3cret")));
  EXPECT_FALSE(Authorize(exposed, req("GET", "/app.js", "dash.example.com")));
}

TEST(DashboardAuth, TokenComparison) {
  EXPECT_TRUE(TokenMatches("abc", "abc"));
  EXPECT_FALSE(TokenMatches("abc", "abd"));
  EXPECT_FALSE(TokenMatches("abc", "abcd"));
  EXPECT_FALSE(TokenMatches("", ""));
}
}  // namespace
}  // namespace postwork::http
