-- AlterTable (nothing wrote events before this migration; the default only lets it run on a table with rows)
ALTER TABLE "events" ADD COLUMN     "content_hash" TEXT NOT NULL DEFAULT '';
ALTER TABLE "events" ALTER COLUMN "content_hash" DROP DEFAULT;

-- CreateTable
CREATE TABLE "event_chain" (
    "position" BIGINT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "sealed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_chain_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "name" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "counters" (
    "name" TEXT NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "counters_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "blobs" (
    "hash" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blobs_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "resources" (
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "namespace" TEXT,
    "name" TEXT NOT NULL,
    "resource" JSONB NOT NULL,
    "revision" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "resources_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "clusters" (
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL,
    "desired_release" TEXT,
    "observed_release" TEXT,
    "observed_at" TIMESTAMPTZ(6),
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "clusters_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "releases" (
    "hash" TEXT NOT NULL,
    "revision" BIGINT NOT NULL,
    "resource_count" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "position" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "releases_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "resources_type_namespace_idx" ON "resources"("type", "namespace");

-- CreateIndex
CREATE INDEX "releases_revision_idx" ON "releases"("revision");

-- CreateIndex
CREATE INDEX "events_stream_type_stream_id_position_idx" ON "events"("stream_type", "stream_id", "position");

-- CreateIndex
CREATE INDEX "events_recorded_at_idx" ON "events"("recorded_at");

-- Hand-written: the log and its chain are append-only. Changing them takes a privileged user
-- disabling these triggers first, which is what the hash chain is there to catch.
CREATE FUNCTION "palisade_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "events_append_only" BEFORE UPDATE OR DELETE ON "events" FOR EACH ROW EXECUTE FUNCTION "palisade_append_only"();
CREATE TRIGGER "events_no_truncate" BEFORE TRUNCATE ON "events" FOR EACH STATEMENT EXECUTE FUNCTION "palisade_append_only"();
CREATE TRIGGER "event_chain_append_only" BEFORE UPDATE OR DELETE ON "event_chain" FOR EACH ROW EXECUTE FUNCTION "palisade_append_only"();
CREATE TRIGGER "event_chain_no_truncate" BEFORE TRUNCATE ON "event_chain" FOR EACH STATEMENT EXECUTE FUNCTION "palisade_append_only"();
