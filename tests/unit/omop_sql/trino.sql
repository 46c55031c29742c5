SELECT
  "t52"."c0",
  "t52"."c1",
  "t52"."c2",
  "t52"."c3",
  "t52"."c4",
  "t52"."c5",
  "t52"."c6",
  "t52"."c7",
  "t52"."c8",
  "t52"."c9",
  "t52"."c10",
  "t52"."c11",
  "t52"."c12",
  "t52"."c13",
  "t52"."c14",
  "t52"."c15",
  "t52"."c16",
  "t52"."c17",
  "t52"."c18",
  "t52"."c19",
  "t52"."c20",
  "t52"."c21",
  "t52"."c22",
  "t52"."c23",
  "t52"."c24",
  "t52"."c25",
  "t52"."c26",
  "t52"."c27",
  COUNT(*) AS "n"
FROM (
  SELECT
    IF("t51"."sex" IS NOT NULL, IF(LOWER("t51"."sex") IN ('female'), 1, -1), 0) AS "c0",
    LEAST(0, 0) AS "c1",
    IF(
      "t51"."age" IS NOT NULL,
      IF(
        TRUE
        AND (
          "t51"."age" >= CAST(20.0 AS DOUBLE)
        )
        AND (
          "t51"."age" <= CAST(38.0 AS DOUBLE)
        ),
        1,
        -1
      ),
      0
    ) AS "c2",
    IF(
      "t51"."bmi" IS NOT NULL,
      IF(
        TRUE
        AND (
          "t51"."bmi" >= CAST(18.0 AS DOUBLE)
        )
        AND (
          "t51"."bmi" <= CAST(27.0 AS DOUBLE)
        ),
        1,
        -1
      ),
      0
    ) AS "c3",
    LEAST(0, 0) AS "c4",
    LEAST(
      LEAST(
        0,
        IF(
          "t51"."fsh" IS NOT NULL,
          IF(
            TRUE
            AND (
              "t51"."fsh" >= CAST(1.0 AS DOUBLE)
            )
            AND (
              "t51"."fsh" <= CAST(10.0 AS DOUBLE)
            ),
            1,
            -1
          ),
          0
        )
      ),
      0
    ) AS "c5",
    0 AS "c6",
    0 AS "c7",
    LEAST(0, 0) AS "c8",
    0 AS "c9",
    -(
      GREATEST(GREATEST(0, 0), 0)
    ) AS "c10",
    -(
      0
    ) AS "c11",
    -(
      0
    ) AS "c12",
    -(
      0
    ) AS "c13",
    -(
      0
    ) AS "c14",
    -(
      0
    ) AS "c15",
    -(
      0
    ) AS "c16",
    -(
      0
    ) AS "c17",
    -(
      0
    ) AS "c18",
    -(
      GREATEST(
        GREATEST(
          IF(
            "t51"."platelets" IS NOT NULL,
            IF(TRUE AND (
              "t51"."platelets" < CAST(100.0 AS DOUBLE)
            ), 1, -1),
            0
          ),
          IF(
            "t51"."hemoglobin" IS NOT NULL,
            IF(TRUE AND (
              "t51"."hemoglobin" < CAST(100.0 AS DOUBLE)
            ), 1, -1),
            0
          )
        ),
        0
      )
    ) AS "c19",
    -(
      0
    ) AS "c20",
    -(
      IF(
        "t51"."recurrent_miscarriage" IS NOT NULL,
        IF("t51"."recurrent_miscarriage", 1, -1),
        0
      )
    ) AS "c21",
    -(
      0
    ) AS "c22",
    -(
      0
    ) AS "c23",
    -(
      0
    ) AS "c24",
    -(
      0
    ) AS "c25",
    -(
      0
    ) AS "c26",
    -(
      0
    ) AS "c27"
  FROM (
    SELECT
      "t12"."person_id",
      "t19"."sex",
      "t23"."age",
      "t47"."bmi",
      "t48"."fsh",
      "t49"."platelets",
      "t50"."hemoglobin",
      "t38"."recurrent_miscarriage"
    FROM (
      SELECT
        "t0"."person_id"
      FROM "person" AS "t0"
    ) AS "t12"
    LEFT OUTER JOIN (
      SELECT
        "t0"."person_id",
        CASE
          WHEN "t0"."gender_concept_id" = 8532
          THEN 'female'
          WHEN "t0"."gender_concept_id" = 8507
          THEN 'male'
          ELSE CAST(NULL AS VARCHAR)
        END AS "sex"
      FROM "person" AS "t0"
    ) AS "t19"
      ON "t12"."person_id" = "t19"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t0"."person_id",
        CAST((
          2026 - "t0"."year_of_birth"
        ) - CASE
          WHEN "t0"."month_of_birth" IS NULL
          THEN CAST(NULL AS BIGINT)
          WHEN "t0"."month_of_birth" > 1
          THEN 1
          WHEN "t0"."month_of_birth" < 1
          THEN 0
          WHEN "t0"."day_of_birth" IS NULL
          THEN CAST(NULL AS BIGINT)
          WHEN "t0"."day_of_birth" > 1
          THEN 1
          ELSE 0
        END AS DOUBLE) AS "age"
      FROM "person" AS "t0"
    ) AS "t23"
      ON "t12"."person_id" = "t23"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t39"."person_id",
        "t39"."v" AS "bmi"
      FROM (
        SELECT
          "t33"."person_id",
          "t33"."value_as_number" * "t7"."factor" AS "v"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t13"."measurement_id",
              "t13"."person_id",
              "t13"."measurement_concept_id",
              "t13"."measurement_date",
              "t13"."value_as_number",
              "t13"."unit_concept_id",
              ROW_NUMBER() OVER (
                PARTITION BY "t13"."person_id"
                ORDER BY "t13"."measurement_date" DESC, "t13"."measurement_id" DESC
              ) - 1 AS "rn"
            FROM (
              SELECT
                *
              FROM "measurement" AS "t5"
              WHERE
                "t5"."measurement_concept_id" IN (3038553)
                AND "t5"."value_as_number" IS NOT NULL
                AND "t5"."measurement_date" <= FROM_ISO8601_DATE('2026-01-01')
                AND "t5"."measurement_date" > FROM_ISO8601_DATE('2025-01-01')
            ) AS "t13"
          ) AS "t24"
          WHERE
            "t24"."rn" = 0
        ) AS "t33"
        LEFT OUTER JOIN "unit_factors_1" AS "t7"
          ON "t33"."measurement_concept_id" = "t7"."f_concept"
          AND "t33"."unit_concept_id" = "t7"."f_unit"
      ) AS "t39"
    ) AS "t47"
      ON "t12"."person_id" = "t47"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t40"."person_id",
        "t40"."v" AS "fsh"
      FROM (
        SELECT
          "t34"."person_id",
          "t34"."value_as_number" * "t8"."factor" AS "v"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t14"."measurement_id",
              "t14"."person_id",
              "t14"."measurement_concept_id",
              "t14"."measurement_date",
              "t14"."value_as_number",
              "t14"."unit_concept_id",
              ROW_NUMBER() OVER (
                PARTITION BY "t14"."person_id"
                ORDER BY "t14"."measurement_date" DESC, "t14"."measurement_id" DESC
              ) - 1 AS "rn"
            FROM (
              SELECT
                *
              FROM "measurement" AS "t5"
              WHERE
                "t5"."measurement_concept_id" IN (2000000001)
                AND "t5"."value_as_number" IS NOT NULL
                AND "t5"."measurement_date" <= FROM_ISO8601_DATE('2026-01-01')
                AND "t5"."measurement_date" > FROM_ISO8601_DATE('2025-01-01')
            ) AS "t14"
          ) AS "t25"
          WHERE
            "t25"."rn" = 0
        ) AS "t34"
        LEFT OUTER JOIN "unit_factors_2" AS "t8"
          ON "t34"."measurement_concept_id" = "t8"."f_concept"
          AND "t34"."unit_concept_id" = "t8"."f_unit"
      ) AS "t40"
    ) AS "t48"
      ON "t12"."person_id" = "t48"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t41"."person_id",
        "t41"."v" AS "platelets"
      FROM (
        SELECT
          "t35"."person_id",
          "t35"."value_as_number" * "t9"."factor" AS "v"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t15"."measurement_id",
              "t15"."person_id",
              "t15"."measurement_concept_id",
              "t15"."measurement_date",
              "t15"."value_as_number",
              "t15"."unit_concept_id",
              ROW_NUMBER() OVER (
                PARTITION BY "t15"."person_id"
                ORDER BY "t15"."measurement_date" DESC, "t15"."measurement_id" DESC
              ) - 1 AS "rn"
            FROM (
              SELECT
                *
              FROM "measurement" AS "t5"
              WHERE
                "t5"."measurement_concept_id" IN (3024929)
                AND "t5"."value_as_number" IS NOT NULL
                AND "t5"."measurement_date" <= FROM_ISO8601_DATE('2026-01-01')
                AND "t5"."measurement_date" > FROM_ISO8601_DATE('2025-01-01')
            ) AS "t15"
          ) AS "t26"
          WHERE
            "t26"."rn" = 0
        ) AS "t35"
        LEFT OUTER JOIN "unit_factors_3" AS "t9"
          ON "t35"."measurement_concept_id" = "t9"."f_concept"
          AND "t35"."unit_concept_id" = "t9"."f_unit"
      ) AS "t41"
    ) AS "t49"
      ON "t12"."person_id" = "t49"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t42"."person_id",
        "t42"."v" AS "hemoglobin"
      FROM (
        SELECT
          "t36"."person_id",
          "t36"."value_as_number" * "t10"."factor" AS "v"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t16"."measurement_id",
              "t16"."person_id",
              "t16"."measurement_concept_id",
              "t16"."measurement_date",
              "t16"."value_as_number",
              "t16"."unit_concept_id",
              ROW_NUMBER() OVER (
                PARTITION BY "t16"."person_id"
                ORDER BY "t16"."measurement_date" DESC, "t16"."measurement_id" DESC
              ) - 1 AS "rn"
            FROM (
              SELECT
                *
              FROM "measurement" AS "t5"
              WHERE
                "t5"."measurement_concept_id" IN (3000963)
                AND "t5"."value_as_number" IS NOT NULL
                AND "t5"."measurement_date" <= FROM_ISO8601_DATE('2026-01-01')
                AND "t5"."measurement_date" > FROM_ISO8601_DATE('2025-01-01')
            ) AS "t16"
          ) AS "t27"
          WHERE
            "t27"."rn" = 0
        ) AS "t36"
        LEFT OUTER JOIN "unit_factors_4" AS "t10"
          ON "t36"."measurement_concept_id" = "t10"."f_concept"
          AND "t36"."unit_concept_id" = "t10"."f_unit"
      ) AS "t42"
    ) AS "t50"
      ON "t12"."person_id" = "t50"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t28"."person_id",
        CASE WHEN "t28"."h" IS NOT NULL THEN TRUE ELSE CAST(NULL AS BOOLEAN) END AS "recurrent_miscarriage"
      FROM (
        SELECT
          "t12"."person_id",
          "t22"."h"
        FROM (
          SELECT
            "t0"."person_id"
          FROM "person" AS "t0"
        ) AS "t12"
        LEFT OUTER JOIN (
          SELECT
            "t17"."person_id",
            COUNT(*) AS "h"
          FROM (
            SELECT
              *
            FROM "condition_occurrence" AS "t6"
            WHERE
              "t6"."condition_concept_id" IN (2000000002, 2000000003)
              AND "t6"."condition_start_date" <= FROM_ISO8601_DATE('2026-01-01')
          ) AS "t17"
          GROUP BY
            1
        ) AS "t22"
          ON "t12"."person_id" = "t22"."person_id"
      ) AS "t28"
    ) AS "t38"
      ON "t12"."person_id" = "t38"."person_id"
  ) AS "t51"
) AS "t52"
GROUP BY
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  17,
  18,
  19,
  20,
  21,
  22,
  23,
  24,
  25,
  26,
  27,
  28
