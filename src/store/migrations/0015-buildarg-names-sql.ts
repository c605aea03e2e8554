import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Postgres only: `roger_without_buildarg_values(options)`, the SQL twin of withoutBuildArgValues
 * (src/store/queries/drop-build-args.ts), so a claim can mark its build started and keep only the
 * build arguments' names in the same statement: one round trip, no transaction to open and commit.
 * It returns the options to store instead (`buildargNames` in the order the values were given), or
 * null when they stay as they are: no `buildargs` key, not a JSON object, or not JSON at all. A
 * `buildargs` that is not an object leaves no names (requests are refused before one is stored).
 *
 * Text without a backslash cannot spell the key escaped, so text without `buildargs` in it is
 * answered without parsing; only past that test does the block that catches unparsable text run.
 * `json` keeps keys as written (their order is the names' order); `jsonb` removes and adds keys.
 */
export const postgresBuildargNames: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create function roger_without_buildarg_values(options text) returns text
      language plpgsql immutable parallel safe as $$
      declare
        parsed json;
        args json;
        names jsonb;
        kept jsonb;
      begin
        if strpos(options, 'buildargs') = 0 and strpos(options, '\\') = 0 then
          return null;
        end if;
        begin
          parsed := options::json;
          if jsonb_typeof(parsed::jsonb) <> 'object' or not (parsed::jsonb ? 'buildargs') then
            return null;
          end if;
          -- As JSON.parse: of a key given twice the last value counts, in the place the key first appeared.
          args := (select j.value from json_each(parsed) with ordinality j where j.key = 'buildargs' order by j.ordinality desc limit 1);
          if json_typeof(args) = 'object' then
            select jsonb_agg(k.key order by k.first) into names
            from (select e.key, min(e.n) as first from json_object_keys(args) with ordinality e(key, n) group by e.key) k;
          end if;
          kept := parsed::jsonb - 'buildargs';
          if names is not null then
            kept := kept || jsonb_build_object('buildargNames', names);
          end if;
          return kept::text;
        exception when others then
          return null;
        end;
      end
      $$`.execute(db);
  },
};
