SELECT
  "t14"."c0",
  "t14"."c1",
  "t14"."c2",
  "t14"."c3",
  "t14"."c4",
  "t14"."c5",
  "t14"."c6",
  "t14"."c7",
  "t14"."c8",
  "t14"."c9",
  "t14"."c10",
  "t14"."c11",
  "t14"."c12",
  "t14"."c13",
  "t14"."c14",
  "t14"."c15",
  "t14"."c16",
  "t14"."c17",
  "t14"."c18",
  "t14"."c19",
  "t14"."c20",
  "t14"."c21",
  "t14"."c22",
  "t14"."c23",
  "t14"."c24",
  "t14"."c25",
  "t14"."c26",
  "t14"."c27",
  COUNT(*) AS "n",
  SUM("t14"."u_sex") AS "u_sex",
  SUM("t14"."u_age") AS "u_age",
  SUM("t14"."u_bmi") AS "u_bmi",
  SUM("t14"."u_fsh") AS "u_fsh",
  SUM("t14"."u_platelets") AS "u_platelets",
  SUM("t14"."u_hemoglobin") AS "u_hemoglobin",
  SUM("t14"."u_recurrent_miscarriage") AS "u_recurrent_miscarriage"
FROM (
  SELECT
    CASE
      WHEN "t13"."sex" IS NOT NULL
      THEN CASE WHEN LOWER("t13"."sex") IN ('female') THEN 1 ELSE -1 END
      ELSE 0
    END AS "c0",
    LEAST(0, 0) AS "c1",
    CASE
      WHEN "t13"."age" IS NOT NULL
      THEN CASE
        WHEN TRUE AND (
          "t13"."age" >= 20.0
        ) AND (
          "t13"."age" <= 38.0
        )
        THEN 1
        ELSE -1
      END
      ELSE 0
    END AS "c2",
    CASE
      WHEN "t13"."bmi" IS NOT NULL
      THEN CASE
        WHEN TRUE AND (
          "t13"."bmi" >= 18.0
        ) AND (
          "t13"."bmi" <= 27.0
        )
        THEN 1
        ELSE -1
      END
      ELSE 0
    END AS "c3",
    LEAST(0, 0) AS "c4",
    LEAST(
      LEAST(
        0,
        CASE
          WHEN "t13"."fsh" IS NOT NULL
          THEN CASE
            WHEN TRUE AND (
              "t13"."fsh" >= 1.0
            ) AND (
              "t13"."fsh" <= 10.0
            )
            THEN 1
            ELSE -1
          END
          ELSE 0
        END
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
          CASE
            WHEN "t13"."platelets" IS NOT NULL
            THEN CASE WHEN TRUE AND (
              "t13"."platelets" < 100.0
            ) THEN 1 ELSE -1 END
            ELSE 0
          END,
          CASE
            WHEN "t13"."hemoglobin" IS NOT NULL
            THEN CASE WHEN TRUE AND (
              "t13"."hemoglobin" < 100.0
            ) THEN 1 ELSE -1 END
            ELSE 0
          END
        ),
        0
      )
    ) AS "c19",
    -(
      0
    ) AS "c20",
    -(
      CASE
        WHEN "t13"."recurrent_miscarriage" IS NOT NULL
        THEN CASE WHEN "t13"."recurrent_miscarriage" THEN 1 ELSE -1 END
        ELSE 0
      END
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
    ) AS "c27",
    CASE WHEN "t13"."sex" IS NULL THEN 1 ELSE 0 END AS "u_sex",
    CASE WHEN "t13"."age" IS NULL THEN 1 ELSE 0 END AS "u_age",
    CASE WHEN "t13"."bmi" IS NULL THEN 1 ELSE 0 END AS "u_bmi",
    CASE WHEN "t13"."fsh" IS NULL THEN 1 ELSE 0 END AS "u_fsh",
    CASE WHEN "t13"."platelets" IS NULL THEN 1 ELSE 0 END AS "u_platelets",
    CASE WHEN "t13"."hemoglobin" IS NULL THEN 1 ELSE 0 END AS "u_hemoglobin",
    CASE WHEN "t13"."recurrent_miscarriage" IS NULL THEN 1 ELSE 0 END AS "u_recurrent_miscarriage"
  FROM (
    SELECT
      "t12"."person_id",
      "t12"."sex",
      "t12"."age",
      "t12"."bmi",
      "t12"."fsh",
      "t12"."platelets",
      "t12"."hemoglobin",
      CASE
        WHEN COALESCE("t12"."h_recurrent_miscarriage", 0) > 0
        THEN TRUE
        ELSE CAST(NULL AS BOOLEAN)
      END AS "recurrent_miscarriage"
    FROM (
      SELECT
        "t6"."person_id",
        "t6"."sex",
        "t6"."age",
        "t11"."bmi",
        "t11"."fsh",
        "t11"."platelets",
        "t11"."hemoglobin",
        "t8"."h_recurrent_miscarriage"
      FROM (
        SELECT
          "t0"."person_id",
          CASE
            WHEN "t0"."gender_concept_id" = 8532
            THEN 'female'
            WHEN "t0"."gender_concept_id" = 8507
            THEN 'male'
            ELSE CAST(NULL AS VARCHAR)
          END AS "sex",
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
          END AS DOUBLE PRECISION) AS "age"
        FROM "person" AS "t0"
      ) AS "t6"
      LEFT OUTER JOIN (
        SELECT
          "t9"."person_id",
          CASE
            WHEN "t9"."bmi" = CAST('NaN' AS DOUBLE PRECISION)
            THEN CAST(NULL AS DOUBLE PRECISION)
            ELSE "t9"."bmi"
          END AS "bmi",
          CASE
            WHEN "t9"."fsh" = CAST('NaN' AS DOUBLE PRECISION)
            THEN CAST(NULL AS DOUBLE PRECISION)
            ELSE "t9"."fsh"
          END AS "fsh",
          CASE
            WHEN "t9"."platelets" = CAST('NaN' AS DOUBLE PRECISION)
            THEN CAST(NULL AS DOUBLE PRECISION)
            ELSE "t9"."platelets"
          END AS "platelets",
          CASE
            WHEN "t9"."hemoglobin" = CAST('NaN' AS DOUBLE PRECISION)
            THEN CAST(NULL AS DOUBLE PRECISION)
            ELSE "t9"."hemoglobin"
          END AS "hemoglobin"
        FROM (
          SELECT
            "t4"."person_id",
            (
              ARRAY_AGG(
                CASE
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 9444
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 8923
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8753
                  )
                  THEN "t4"."value_as_number" * 16.1145
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8713
                  )
                  THEN "t4"."value_as_number" * 10.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 8848
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8636
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 2000000101
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3038553
                  )
                  AND (
                    "t4"."unit_concept_id" = 9531
                  )
                  THEN "t4"."value_as_number" * 1.0
                  ELSE CAST('NaN' AS DOUBLE PRECISION)
                END ORDER BY (
                  CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                ) + (
                  "t4"."measurement_id" % 1000000000000
                ) DESC NULLS LAST
              ) FILTER(WHERE
                (
                  (
                    CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                  ) + (
                    "t4"."measurement_id" % 1000000000000
                  )
                ) IS NOT NULL
                AND "t4"."measurement_concept_id" IN (3038553))
            )[1] AS "bmi",
            (
              ARRAY_AGG(
                CASE
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 9444
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 8923
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8753
                  )
                  THEN "t4"."value_as_number" * 16.1145
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8713
                  )
                  THEN "t4"."value_as_number" * 10.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 8848
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8636
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 2000000101
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3038553
                  )
                  AND (
                    "t4"."unit_concept_id" = 9531
                  )
                  THEN "t4"."value_as_number" * 1.0
                  ELSE CAST('NaN' AS DOUBLE PRECISION)
                END ORDER BY (
                  CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                ) + (
                  "t4"."measurement_id" % 1000000000000
                ) DESC NULLS LAST
              ) FILTER(WHERE
                (
                  (
                    CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                  ) + (
                    "t4"."measurement_id" % 1000000000000
                  )
                ) IS NOT NULL
                AND "t4"."measurement_concept_id" IN (2000000001))
            )[1] AS "fsh",
            (
              ARRAY_AGG(
                CASE
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 9444
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 8923
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8753
                  )
                  THEN "t4"."value_as_number" * 16.1145
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8713
                  )
                  THEN "t4"."value_as_number" * 10.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 8848
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8636
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 2000000101
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3038553
                  )
                  AND (
                    "t4"."unit_concept_id" = 9531
                  )
                  THEN "t4"."value_as_number" * 1.0
                  ELSE CAST('NaN' AS DOUBLE PRECISION)
                END ORDER BY (
                  CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                ) + (
                  "t4"."measurement_id" % 1000000000000
                ) DESC NULLS LAST
              ) FILTER(WHERE
                (
                  (
                    CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                  ) + (
                    "t4"."measurement_id" % 1000000000000
                  )
                ) IS NOT NULL
                AND "t4"."measurement_concept_id" IN (3024929))
            )[1] AS "platelets",
            (
              ARRAY_AGG(
                CASE
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 9444
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 8923
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8753
                  )
                  THEN "t4"."value_as_number" * 16.1145
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8713
                  )
                  THEN "t4"."value_as_number" * 10.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3024929
                  )
                  AND (
                    "t4"."unit_concept_id" = 8848
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3000963
                  )
                  AND (
                    "t4"."unit_concept_id" = 8636
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 2000000001
                  )
                  AND (
                    "t4"."unit_concept_id" = 2000000101
                  )
                  THEN "t4"."value_as_number" * 1.0
                  WHEN (
                    "t4"."measurement_concept_id" = 3038553
                  )
                  AND (
                    "t4"."unit_concept_id" = 9531
                  )
                  THEN "t4"."value_as_number" * 1.0
                  ELSE CAST('NaN' AS DOUBLE PRECISION)
                END ORDER BY (
                  CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                ) + (
                  "t4"."measurement_id" % 1000000000000
                ) DESC NULLS LAST
              ) FILTER(WHERE
                (
                  (
                    CAST(EXTRACT(epoch FROM CAST("t4"."measurement_date" AS TIMESTAMP) - CAST(MAKE_DATE(CAST(1970 AS INT), CAST(1 AS INT), CAST(1 AS INT)) AS TIMESTAMP)) / 86400 AS BIGINT) * 1000000000000
                  ) + (
                    "t4"."measurement_id" % 1000000000000
                  )
                ) IS NOT NULL
                AND "t4"."measurement_concept_id" IN (3000963))
            )[1] AS "hemoglobin"
          FROM (
            SELECT
              *
            FROM "measurement" AS "t2"
            WHERE
              "t2"."measurement_concept_id" IN (3000963, 3024929, 3038553, 2000000001)
              AND "t2"."value_as_number" IS NOT NULL
              AND "t2"."measurement_date" <= MAKE_DATE(2026, 1, 1)
              AND "t2"."measurement_date" > MAKE_DATE(2025, 1, 1)
          ) AS "t4"
          GROUP BY
            1
        ) AS "t9"
      ) AS "t11"
        ON "t6"."person_id" = "t11"."person_id"
      LEFT OUTER JOIN (
        SELECT
          "t3"."person_id",
          COUNT(*) FILTER(WHERE
            "t3"."condition_concept_id" IN (2000000002, 2000000003)) AS "h_recurrent_miscarriage"
        FROM (
          SELECT
            *
          FROM "condition_occurrence" AS "t1"
          WHERE
            "t1"."condition_concept_id" IN (2000000002, 2000000003)
            AND "t1"."condition_start_date" <= MAKE_DATE(2026, 1, 1)
        ) AS "t3"
        GROUP BY
          1
      ) AS "t8"
        ON "t6"."person_id" = "t8"."person_id"
    ) AS "t12"
  ) AS "t13"
) AS "t14"
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
