-- Admin console (issue #7): API tokens are listed so an admin can tell them apart and revoke
-- one. Only a hash of each token is stored, so its first characters are kept for display
-- ("kft_1a2b3c4d…"): enough to recognise a token, far too little to use it. Tokens issued
-- before this migration show an empty prefix.
ALTER TABLE api_tokens ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_user ON api_tokens(user_id);
