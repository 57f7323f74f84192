-- Account roll-up per sync touches only the accounts of changed contacts: `contacts.account_id` is
-- kept (NULL: not rolled up yet, '': rolled up to no account) and members are read by account.
-- Contacts not rolled up yet (stored before accounts were defined) are found by this index once.
CREATE INDEX contacts_account_unknown ON contacts (workspace_id, contact_id) WHERE account_id IS NULL;
-- Members of an account in contact order, for keyset paging through a large account.
DROP INDEX contacts_by_account;
CREATE INDEX contacts_by_account ON contacts (workspace_id, account_id, contact_id) WHERE account_id IS NOT NULL;
-- The account dimensions last written to the CRM's account with this contact's handoff: a change
-- in them hands the contact off again (CRMs that file contacts under accounts), so the account
-- record follows its score.
ALTER TABLE crm_links ADD COLUMN handed_account_scores jsonb;
