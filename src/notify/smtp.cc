// The e-mail deliverer: an RFC 5322 message sent over SMTP with libcurl.
#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json_text.h"
#include "net/curl.h"
#include "notify/notify.h"

namespace trailwatch::notify {
namespace {

// A mail address as we accept it in headers and SMTP commands: one addr-spec, nothing that
// could end a header or a command (header injection), nothing that needs quoting.
Status CheckAddress(std::string_view what, std::string_view address) {
  const std::size_t at = address.find('@');
  if (address.empty() || at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return Status::InvalidArgument(
        fmt::format("{} address '{}' is not user@domain", what, address));
  }
  for (char ch : address) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == '"' || ch == '(' ||
        ch == ')' || ch == ';' || ch == '\\') {
      return Status::InvalidArgument(fmt::format("{} address has a forbidden character", what));
    }
  }
  return Status::Ok();
}

bool NeedsEncoding(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c < ' ' || c == 0x7f) return true;
  }
  return false;
}

// RFC 2047 B-encoded words, each at most 75 characters, never splitting a UTF-8 sequence,
// joined by folding white space.
std::string EncodedWords(std::string_view s) {
  constexpr std::size_t kMaxBytes = 45;  // 60 base64 characters + 12 of framing = 72
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = i;
    while (end < s.size()) {
      std::size_t len = Utf8SequenceLength(s, end);
      if (len == 0) len = 1;  // invalid byte: carried as is, the reader shows U+FFFD
      if (end + len - i > kMaxBytes) break;
      end += len;
    }
    if (end == i) end = i + 1;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// A phrase (display name): encoded when not ASCII, else a quoted string.
std::string Phrase(std::string_view s) {
  if (NeedsEncoding(s)) return EncodedWords(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

// "Wed, 15 Sep 2021 18:32:31 +0000" (RFC 5322 date-time, UTC).
std::string MailDate(std::int64_t ms) {
  using namespace std::chrono;  // NOLINT(build/namespaces): calendar types only
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_seconds t = floor<seconds>(sys_time<milliseconds>(milliseconds(ms)));
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> hms(t - day);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[weekday(day).c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// Body lines with CRLF ends (SMTP's), whatever the input used.
std::vector<std::string_view> Lines(std::string_view body) {
  std::vector<std::string_view> lines;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= body.size(); ++i) {
    if (i == body.size() || body[i] == '\n') {
      std::string_view line = body.substr(from, i - from);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (i < body.size() || !line.empty()) lines.push_back(line);
      from = i + 1;
    }
  }
  return lines;
}

// Quoted-printable (RFC 2045 6.7) of one line, with soft breaks to stay within 76 columns.
void QuotedPrintableLine(std::string* out, std::string_view line) {
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    std::string piece;
    if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
      piece = static_cast<char>(c);
    } else {
      piece = fmt::format("={:02X}", c);
    }
    if (column + piece.size() > 75) {
      *out += "=\r\n";
      column = 0;
    }
    *out += piece;
    column += piece.size();
  }
  *out += "\r\n";
}

// RFC 5321's line limit is 998 octets; longer lines or 8-bit text go quoted-printable.
bool Needs8BitSafety(const std::vector<std::string_view>& lines) {
  for (std::string_view line : lines) {
    if (line.size() > 998) return true;
    for (char ch : line) {
      if (static_cast<unsigned char>(ch) >= 0x80) return true;
    }
  }
  return false;
}

// Reads the message into libcurl's upload buffer.
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

class SmtpDeliverer final : public Deliverer {
 public:
  explicit SmtpDeliverer(SmtpOptions options) : options_(std::move(options)) { net::InitCurl(); }

  DeliveryResult Deliver(const Delivery& d) override {
    Result<std::string> message = MimeMessage(options_, d);
    if (!message.ok()) return {false, false, 0, message.status().message()};
    std::unique_ptr<net::CurlHandle> handle = Take();
    net::CurlHandle& curl = *handle;
    if (!curl) return {false, true, 0, "cannot start libcurl"};
    const std::string from = "<" + options_.from + ">";
    net::CurlList rcpt("<" + d.endpoint + ">");
    Upload upload{*message};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message->size()));
    // smtps:// is TLS from the first byte; for smtp:// STARTTLS is used when offered, and
    // demanded when require_tls.
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     static_cast<long>(options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!options_.username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
    }
    net::SetTlsAndTimeouts(h, options_.verify_peer, options_.ca_file, options_.connect_timeout_ms,
                           options_.timeout_ms);
    // A kept connection older than 30 s is not reused (a NAT may have dropped it silently),
    // and keepalive probes notice a dead one.
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    const net::CurlOutcome outcome = curl.Perform();
    // The handle keeps no pointer into this call's locals beyond it.
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
    if (outcome.code == CURLE_OK) {
      Give(std::move(handle));
      return {true, false, static_cast<int>(outcome.response), ""};
    }
    return Classify(outcome);  // the handle (and its connection) is dropped
  }

 private:
  // SMTP reply codes decide when the server answered: 4xx are transient (RFC 5321 4.2.1),
  // 5xx permanent. Without a reply, network trouble is retried and configuration errors
  // (TLS demanded but not offered, bad certificate, refused login) are not.
  static DeliveryResult Classify(const net::CurlOutcome& o) {
    const int code = static_cast<int>(o.response);
    std::string error = fmt::format("SMTP: {}", o.message);
    if (code >= 400 && code < 500) return {false, true, code, error};
    if (code >= 500 || o.code == CURLE_LOGIN_DENIED) return {false, false, code, error};
    return {false, net::IsTransientCurlError(o.code), code, error};
  }

  // Handles of successful deliveries are kept, and with them their SMTP connection: the next
  // mail skips the connect, EHLO, STARTTLS and AUTH round trips (libcurl sends QUIT only when
  // it closes a connection; one idle for 30 s is not reused). Without
  // it, one busy address took fewer mails per second than alerts arrived
  // (docs/performance.md, scripts/bench live).
  std::unique_ptr<net::CurlHandle> Take() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return std::make_unique<net::CurlHandle>();
    std::unique_ptr<net::CurlHandle> h = std::move(idle_.back());
    idle_.pop_back();
    return h;
  }
  void Give(std::unique_ptr<net::CurlHandle> h) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(h));
  }

  static constexpr std::size_t kMaxIdle = 4;
  SmtpOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<net::CurlHandle>> idle_;  // guarded by mu_
};

}  // namespace

Result<std::string> MimeMessage(const SmtpOptions& options, const Delivery& d) {
  if (Status s = CheckAddress("sender", options.from); !s.ok()) return s;
  if (Status s = CheckAddress("recipient", d.endpoint); !s.ok()) return s;
  if (d.message_id.empty()) return Status::InvalidArgument("message id is empty");
  for (char ch : d.message_id) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.' && ch != '_') {
      return Status::InvalidArgument("message id may hold only letters, digits, '-', '.', '_'");
    }
  }
  std::string out = "Date: " + MailDate(d.time_ms) + "\r\n";
  out += "From: ";
  if (!options.from_display_name.empty()) out += Phrase(options.from_display_name) + " ";
  out += "<" + options.from + ">\r\n";
  out += "To: <" + d.endpoint + ">\r\n";
  out += "Subject: ";
  // SNS mails a message published without a subject as "AWS Notification Message".
  const std::string_view subject = d.subject.empty() ? std::string_view("AWS Notification Message")
                                                     : std::string_view(d.subject);
  out += NeedsEncoding(subject) ? EncodedWords(subject) : std::string(subject);
  out += "\r\n";
  out += fmt::format("Message-ID: <{}@{}>\r\n", d.message_id,
                     options.from.substr(options.from.find('@') + 1));
  out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n";
  const std::vector<std::string_view> lines = Lines(d.body);
  const bool qp = Needs8BitSafety(lines);
  out += qp ? "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            : "Content-Transfer-Encoding: 7bit\r\n\r\n";
  for (std::string_view line : lines) {
    if (qp) {
      QuotedPrintableLine(&out, line);
    } else {
      out += line;
      out += "\r\n";
    }
  }
  return out;
}

std::unique_ptr<Deliverer> NewSmtpDeliverer(SmtpOptions options) {
  return std::make_unique<SmtpDeliverer>(std::move(options));
}

}  // namespace trailwatch::notify
