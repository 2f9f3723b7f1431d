-- Failed attempts at a code live with the code: one row read per confirmation.
ALTER TABLE codes ADD COLUMN failures TEXT NOT NULL DEFAULT '[]';
