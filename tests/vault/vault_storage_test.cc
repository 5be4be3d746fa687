// Encryption at rest, key handling, and concurrent callers.
#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "common/encoding.h"
#include "store/store.h"
#include "testing/files.h"
#include "vault/envelope.h"
#include "vault/vault_fixture.h"

namespace trailwatch::vault::testing {
namespace {

using test_support::TempDir;

class StorageTest : public VaultFixture {};

TEST_F(StorageTest, NoPlaintextOnDisk) {
  const std::string string_value = "PLAINTEXT-string-value-0123456789";
  const std::string binary_value = "PLAINTEXT-binary-value-\x01\x02\x03";
  ASSERT_EQ(Call("CreateSecret", {{"Name", "disk"}, {"SecretString", string_value}}).status, 200);
  ASSERT_EQ(
      Call("PutSecretValue", {{"SecretId", "disk"}, {"SecretBinary", Base64Encode(binary_value)}})
          .status,
      200);
  ASSERT_EQ(Call("RotateSecret",
                 {{"SecretId", "disk"}, {"RotationRules", {{"AutomaticallyAfterDays", 1}}}})
                .status,
            400);  // binary current value: built-in rotation refuses
  ASSERT_EQ(
      Call("PutSecretValue", {{"SecretId", "disk"}, {"SecretString", string_value + "2"}}).status,
      200);
  auto rotated = Call("RotateSecret",
                      {{"SecretId", "disk"}, {"RotationRules", {{"AutomaticallyAfterDays", 1}}}});
  ASSERT_EQ(rotated.status, 200);
  const std::string generated =
      Call("GetSecretValue", {{"SecretId", "disk"}}).body["SecretString"].get<std::string>();
  // Look at the files both while open (WAL not yet checkpointed) and after closing.
  for (int pass = 0; pass < 2; ++pass) {
    const std::string bytes = ReadDatabaseFiles(db_path_);
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(bytes.find("PLAINTEXT"), std::string::npos) << "pass " << pass;
    EXPECT_EQ(bytes.find(generated), std::string::npos) << "pass " << pass;
    EXPECT_EQ(bytes.find(key_bytes_), std::string::npos) << "pass " << pass;
    // The journal is there (it is not secret), proving we read the right files.
    EXPECT_NE(bytes.find("GetSecretValue"), std::string::npos) << "pass " << pass;
    Close();
  }
  Open();
}

TEST_F(StorageTest, SwappedCiphertextsDoNotDecrypt) {
  ASSERT_EQ(Call("CreateSecret", {{"Name", "a"}, {"SecretString", "value-a"}}).status, 200);
  ASSERT_EQ(Call("CreateSecret", {{"Name", "b"}, {"SecretString", "value-b"}}).status, 200);
  // Give b's current version a's sealed blobs.
  ASSERT_TRUE(store_
                  ->Write([](store::Transaction& tx) {
                    auto a = tx.FindSecretByName("a");
                    auto b = tx.FindSecretByName("b");
                    auto va = tx.ListVersions((*a)->id);
                    auto vb = tx.ListVersions((*b)->id);
                    store::VersionRow moved = (*va)[0];
                    moved.secret_id = (*b)->id;
                    moved.version_id = (*vb)[0].version_id;
                    if (Status s = tx.DeleteVersion((*b)->id, moved.version_id); !s.ok()) return s;
                    if (Status s = tx.InsertVersion(moved); !s.ok()) return s;
                    return tx.SetStage((*b)->id, "AWSCURRENT", moved.version_id);
                  })
                  .ok());
  auto r = Call("GetSecretValue", {{"SecretId", "b"}});
  EXPECT_EQ(r.type(), "DecryptionFailure");
  EXPECT_EQ(r.raw.body.find("value-a"), std::string::npos);
  EXPECT_EQ(Call("GetSecretValue", {{"SecretId", "a"}}).body["SecretString"], "value-a");
}

TEST(EnvelopeTest, SealOpenAndTamper) {
  auto key = MasterKey::FromBytes(std::string(32, '\x07'));
  ASSERT_TRUE(key.ok());
  struct Case {
    std::string plaintext;
  };
  for (const Case& c : std::vector<Case>{{""}, {"x"}, {std::string(70000, 'y')}}) {
    store::VersionRow row;
    row.version_id = "v1";
    ASSERT_TRUE(internal::SealValue(*key, "arn:1", "v1", c.plaintext, &row).ok());
    EXPECT_EQ(row.ciphertext.size(), c.plaintext.size() + 16);
    auto back = internal::OpenValue(*key, "arn:1", row);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, c.plaintext);
    EXPECT_EQ(internal::OpenValue(*key, "arn:2", row).status().code(), StatusCode::kCorruption);
    row.version_id = "v2";
    EXPECT_FALSE(internal::OpenValue(*key, "arn:1", row).ok());
    row.version_id = "v1";
    row.ciphertext[0] = static_cast<char>(row.ciphertext[0] ^ 1);
    EXPECT_FALSE(internal::OpenValue(*key, "arn:1", row).ok());
  }
}

TEST(MasterKeyTest, CreatesLoadsAndFailsClosed) {
  TempDir dir;
  const std::string path = dir.path() + "/master.key";
  EXPECT_FALSE(MasterKey::LoadOrCreate(path, false).ok());  // missing, not created
  auto created = MasterKey::LoadOrCreate(path, true);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = MasterKey::LoadOrCreate(path, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes(), created->bytes());
  auto sealed = created->Seal("access-key-secret", "AKIA1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*again->Open(*sealed, "AKIA1"), "access-key-secret");
  EXPECT_FALSE(again->Open(*sealed, "AKIA2").ok());

  for (mode_t loose : {0644u, 0640u, 0604u, 0660u}) {
    ASSERT_EQ(::chmod(path.c_str(), loose), 0);
    auto r = MasterKey::LoadOrCreate(path, true);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << std::oct << loose;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  const std::string short_key = dir.Write("short.key", "too short");
  ASSERT_EQ(::chmod(short_key.c_str(), 0600), 0);
  EXPECT_EQ(MasterKey::LoadOrCreate(short_key, false).status().code(),
            StatusCode::kInvalidArgument);

  // TRAILWATCH_MASTER_KEY_FILE wins over the data dir and is never created.
  ASSERT_EQ(::setenv("TRAILWATCH_MASTER_KEY_FILE", path.c_str(), 1), 0);
  auto from_env = MasterKey::ForDataDir(dir.path() + "/elsewhere");
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->bytes(), created->bytes());
  ASSERT_EQ(::setenv("TRAILWATCH_MASTER_KEY_FILE", (dir.path() + "/absent.key").c_str(), 1), 0);
  EXPECT_FALSE(MasterKey::ForDataDir(dir.path()).ok());
  ASSERT_EQ(::unsetenv("TRAILWATCH_MASTER_KEY_FILE"), 0);
  auto default_key = MasterKey::ForDataDir(dir.path());
  ASSERT_TRUE(default_key.ok());
  EXPECT_EQ(default_key->bytes(), created->bytes());  // <data_dir>/master.key
}

// Many threads call at once: writes are batched by the group-commit writer, reads run beside
// them, every call is journalled exactly once.
TEST_F(StorageTest, ConcurrentCallers) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 12;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = "c/" + std::to_string(t);
      if (Call("CreateSecret", {{"Name", name}, {"SecretString", "0"}}).status != 200) failures++;
      for (int i = 1; i < kPerThread; ++i) {
        if (Call("PutSecretValue", {{"SecretId", name}, {"SecretString", std::to_string(i)}})
                .status != 200) {
          failures++;
        }
        auto got = Call("GetSecretValue", {{"SecretId", name}});
        if (got.status != 200 || got.body["SecretString"] != std::to_string(i)) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(TakeJournal().size(), static_cast<std::size_t>(kThreads * (1 + 2 * (kPerThread - 1))));
  auto list = Call("ListSecrets", json::object());
  EXPECT_EQ(list.body["SecretList"].size(), static_cast<std::size_t>(kThreads));
}

}  // namespace
}  // namespace trailwatch::vault::testing
