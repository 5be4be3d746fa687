#include "common/encoding.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"

namespace trailwatch {
namespace {

struct Base64Case {
  std::string bytes;
  std::string text;
};

TEST(Base64, Rfc4648Vectors) {
  const Base64Case cases[] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="},
                              {"foobar", "Zm9vYmFy"},
                              {std::string("\xff\x00\xfe", 3), "/wD+"}};
  for (const auto& c : cases) {
    EXPECT_EQ(Base64Encode(c.bytes), c.text);
    auto back = Base64Decode(c.text);
    ASSERT_TRUE(back.ok()) << c.text << ": " << back.status().ToString();
    EXPECT_EQ(*back, c.bytes) << c.text;
  }
}

TEST(Base64, RejectsMalformedText) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v\n", "Zm 9", "Zg=a", "=Zg=", "Zm-_"}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
}

TEST(Hex, RoundTripAndErrors) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  auto back = HexDecode("0001ABff");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::string("\x00\x01\xab\xff", 4));
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Crypto, Sha256AndHmacKnownAnswers) {
  // FIPS 180-2 "abc" and RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6 (a key longer than the block), then case 2 again: each call starts
  // from the digest alone, not from the previous call's key.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secrets"));
}

TEST(Crypto, RandomBytesHaveTheLengthAndDiffer) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

TEST(Crypto, NewUuidIsVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = NewUuid();
    ASSERT_TRUE(id.ok());
    const std::string& s = *id;
    ASSERT_EQ(s.size(), 36u) << s;
    for (std::size_t j = 0; j < s.size(); ++j) {
      const bool dash = j == 8 || j == 13 || j == 18 || j == 23;
      EXPECT_EQ(dash, s[j] == '-') << s;
      if (!dash) {
        EXPECT_NE(std::string_view("0123456789abcdef").find(s[j]), std::string::npos) << s;
      }
    }
    EXPECT_EQ(s[14], '4') << s;
    EXPECT_NE(std::string_view("89ab").find(s[19]), std::string::npos) << s;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 200u);
}

// Ids come from a per-thread pool of random bytes: a forked child must not repeat the
// parent's next id, and threads must not share ids.
TEST(Crypto, NewUuidIsDistinctAcrossForkAndThreads) {
  // Two forks two ids apart: the pool holds 32 ids, so at most one of the two can find it
  // used up (where the test would pass whatever the child did).
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    ASSERT_TRUE(NewUuid().ok());
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto id = NewUuid();
      const std::string s = id.ok() ? *id : "";
      _exit(write(fds[1], s.data(), s.size()) == static_cast<ssize_t>(s.size()) ? 0 : 1);
    }
    close(fds[1]);
    std::string theirs(36, '\0');
    EXPECT_EQ(read(fds[0], theirs.data(), theirs.size()), 36);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    auto ours = NewUuid();
    ASSERT_TRUE(ours.ok());
    EXPECT_NE(*ours, theirs);
  }

  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> threads;
  for (auto& mine : ids) {
    threads.emplace_back([&mine] {
      for (int i = 0; i < 100; ++i) {
        auto id = NewUuid();
        mine.push_back(id.ok() ? *id : "");
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& mine : ids) all.insert(mine.begin(), mine.end());
  EXPECT_EQ(all.size(), 400u);
}

TEST(Crypto, RandomStringUsesOnlyTheAlphabetAndEveryCharacter) {
  const struct {
    std::string_view alphabet;
    std::size_t n;
  } cases[] = {{kAlphanumeric, 4000}, {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 2000}, {"x", 10}};
  for (const auto& c : cases) {
    auto s = RandomString(c.n, c.alphabet);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->size(), c.n);
    EXPECT_EQ(s->find_first_not_of(c.alphabet), std::string::npos);
    for (char ch : c.alphabet) EXPECT_NE(s->find(ch), std::string::npos) << ch;
  }
  EXPECT_FALSE(RandomString(4, "").ok());
}

TEST(ParseFormQuery, DecodesAsFormsDo) {
  const struct {
    const char* query;
    std::map<std::string, std::string> want;
  } cases[] = {
      {"", {}},
      {"Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At&Token=ab",
       {{"Action", "ConfirmSubscription"},
        {"TopicArn", "arn:aws:sns:us-east-1:1:t"},
        {"Token", "ab"}}},
      {"a=x+y%20z&flag&b=", {{"a", "x y z"}, {"flag", ""}, {"b", ""}}},
      {"bad=%zz%4&a=1&a=2", {{"bad", "%zz%4"}, {"a", "2"}}},
      {"%41=%62", {{"A", "b"}}},
  };
  for (const auto& c : cases) EXPECT_EQ(ParseFormQuery(c.query), c.want) << c.query;
}

}  // namespace
}  // namespace trailwatch
