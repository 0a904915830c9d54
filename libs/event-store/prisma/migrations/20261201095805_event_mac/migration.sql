-- AlterTable
ALTER TABLE "events" ADD COLUMN     "mac" TEXT;

-- CreateTable
CREATE TABLE "event_keys" (
    "kid" TEXT NOT NULL,
    "since_position" BIGINT NOT NULL,
    "mac" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_keys_pkey" PRIMARY KEY ("kid")
);

-- Hand-written: a key's row is never changed or removed (that would move where unsigned events end).
CREATE TRIGGER "event_keys_append_only" BEFORE UPDATE OR DELETE ON "event_keys" FOR EACH ROW EXECUTE FUNCTION "palisade_append_only"();
CREATE TRIGGER "event_keys_no_truncate" BEFORE TRUNCATE ON "event_keys" FOR EACH STATEMENT EXECUTE FUNCTION "palisade_append_only"();
