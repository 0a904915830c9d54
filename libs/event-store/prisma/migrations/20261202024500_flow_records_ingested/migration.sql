-- Live flow logs follow records in the order ingest stored them: (ingested_at, id) is the cursor.
CREATE INDEX "flow_records_ingested_idx" ON "flow_records" ("ingested_at", "id");
