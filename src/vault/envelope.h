// Internal: per-version envelope encryption of secret values.
#ifndef TRAILWATCH_VAULT_ENVELOPE_H_
#define TRAILWATCH_VAULT_ENVELOPE_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "store/store.h"
#include "vault/vault.h"

namespace trailwatch::vault::internal {

// AES-256-GCM with a random 12-byte nonce: returns nonce || ciphertext || tag.
Result<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                             std::string_view aad);
Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad);

// Seals `plaintext` for version `version_id` of secret `arn` into row->nonce, ciphertext and
// wrapped_key, under a fresh data key.
Status SealValue(const MasterKey& key, std::string_view arn, std::string_view version_id,
                 std::string_view plaintext, store::VersionRow* row);
// The plaintext of `row`, which must belong to `arn`. kCorruption when anything was altered
// or moved between rows.
Result<std::string> OpenValue(const MasterKey& key, std::string_view arn,
                              const store::VersionRow& row);

}  // namespace trailwatch::vault::internal

#endif  // TRAILWATCH_VAULT_ENVELOPE_H_
