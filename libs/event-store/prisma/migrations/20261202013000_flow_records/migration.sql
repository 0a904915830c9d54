-- Flow records: agents' aggregated flow logs, stored by flow ingest (libs/flow-store owns the
-- reads and writes). Partitioned by day on start_time, so retention drops whole partitions
-- instead of deleting rows. Not in schema.prisma: Prisma cannot describe a partitioned table.
-- The key includes start_time (a partitioned table's unique keys must) and the record id, which
-- is derived from (cluster, node, interval, flow key): a batch delivered twice is stored once.
CREATE TABLE "flow_records" (
    "id" TEXT NOT NULL,
    "start_time" TIMESTAMPTZ(6) NOT NULL,
    "end_time" TIMESTAMPTZ(6) NOT NULL,
    "cluster" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "protocol" TEXT NOT NULL,
    "port" INTEGER,
    "src_namespace" TEXT,
    "src_name" TEXT,
    "src_ip" TEXT,
    "src_labels" JSONB NOT NULL,
    "dst_namespace" TEXT,
    "dst_name" TEXT,
    "dst_ip" TEXT,
    "dst_labels" JSONB NOT NULL,
    "packets" BIGINT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "connections_started" INTEGER NOT NULL,
    "connections_completed" INTEGER NOT NULL,
    "ingested_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "flow_records_pkey" PRIMARY KEY ("start_time", "id")
) PARTITION BY RANGE ("start_time");

CREATE INDEX "flow_records_cluster_start_idx" ON "flow_records" ("cluster", "start_time");
CREATE INDEX "flow_records_policy_idx" ON "flow_records" ("policy", "start_time");

-- Partitions are made by ingest as days come, and dropped by retention, through these two
-- functions: the application role may call them but holds no right to create or drop tables.
CREATE FUNCTION "flow_partition_ensure"(day DATE) RETURNS VOID
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  part TEXT := 'flow_records_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(part) IS NULL THEN
    BEGIN
      EXECUTE format('CREATE TABLE %I PARTITION OF flow_records FOR VALUES FROM (%L) TO (%L)', part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
    EXCEPTION WHEN duplicate_table THEN
      NULL; -- another ingester made it first
    END;
  END IF;
END $$;

CREATE FUNCTION "flow_partitions_drop_before"(cutoff DATE) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  part RECORD;
  dropped INTEGER := 0;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'flow_records' AND c.relname ~ '^flow_records_[0-9]{8}$' AND to_date(substr(c.relname, 14), 'YYYYMMDD') < cutoff
  LOOP
    EXECUTE format('DROP TABLE %I', part.relname);
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END $$;
