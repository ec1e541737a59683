/**
 * Foreign keys whose columns do not lead any index of their table: every such key makes a
 * delete or update of the parent scan the child table, and every join on it a guess. A
 * migration indexes them; a test keeps the list empty.
 */
export const UNINDEXED_FOREIGN_KEYS_SQL = `
  SELECT c.conrelid::regclass::text AS "table", c.conname AS "constraint",
         array_to_string(array_agg(a.attname ORDER BY k.ord), ',') AS columns
  FROM pg_constraint c
  CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
  WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
    AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
    )
  GROUP BY c.conrelid, c.conname
  ORDER BY 1, 2`
