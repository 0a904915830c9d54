-- An append in one statement: what took four round trips (BEGIN, the state read, the INSERT,
-- COMMIT) is one call in autocommit. The caller computed each event's version (from the expected
-- versions it names), content hash and MAC; this checks, in order:
--   1. the transaction's id is taken before any position (readers rely on it: horizon/committed.ts);
--   2. ids appended before: their rows come back as 'duplicate' and nothing is written;
--   3. each stream's version is the one expected: otherwise its actual version comes back as
--      'conflict' and nothing is written;
--   4. the insert (a concurrent writer that wins a version makes it fail on the unique key, as the
--      multi-statement append does), then the notification readers wake up on.
-- SECURITY INVOKER (the default): it runs with the caller's rights, which allow INSERT on events.
CREATE FUNCTION "events_append"(
  ids UUID[], stream_ids TEXT[], stream_types TEXT[], versions INT[], types TEXT[], schema_versions INT[], payloads TEXT[],
  actors TEXT[], reasons TEXT[], correlation_ids UUID[], causation_ids UUID[], content_hashes TEXT[], macs TEXT[],
  recorded TIMESTAMPTZ, expected_streams TEXT[], expected_versions INT[]
) RETURNS TABLE ("outcome" TEXT, "id" TEXT, "position" BIGINT, "stream_id" TEXT, "version" INT)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_current_xact_id();
  IF EXISTS (SELECT 1 FROM events e WHERE e.id = ANY(ids)) THEN
    RETURN QUERY SELECT 'duplicate'::TEXT, e.id::TEXT, e.position, e.stream_id, e.version FROM events e WHERE e.id = ANY(ids) ORDER BY e.position;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT 'conflict'::TEXT, NULL::TEXT, NULL::BIGINT, x.s, x.actual
    FROM (SELECT s.s, COALESCE((SELECT max(e.version) FROM events e WHERE e.stream_id = s.s), 0) AS actual, s.v
          FROM unnest(expected_streams, expected_versions) AS s(s, v)) x
    WHERE x.actual <> x.v;
  IF FOUND THEN
    RETURN;
  END IF;
  RETURN QUERY
    WITH ins AS (
      INSERT INTO events (id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, causation_id, recorded_at, content_hash, mac)
      SELECT u.id, u.stream_id, u.stream_type, u.version, u.type, u.schema_version, u.payload::jsonb, u.actor, u.reason, u.correlation_id, u.causation_id, recorded, u.content_hash, u.mac
      FROM unnest(ids, stream_ids, stream_types, versions, types, schema_versions, payloads, actors, reasons, correlation_ids, causation_ids, content_hashes, macs)
        AS u(id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, causation_id, content_hash, mac)
      RETURNING events.id, events.position, events.stream_id, events.version
    )
    SELECT 'appended'::TEXT, ins.id::TEXT, ins.position, ins.stream_id, ins.version FROM ins;
  PERFORM pg_notify('palisade_events', '');
END $$;
