WITH "t27" AS (
  SELECT
    "t26"."person_id",
    MAX(IFF("t26"."k_field" = 'bmi', "t26"."v", NULL)) AS "bmi",
    MAX(IFF("t26"."k_field" = 'fsh', "t26"."v", NULL)) AS "fsh",
    MAX(IFF("t26"."k_field" = 'platelets', "t26"."v", NULL)) AS "platelets",
    MAX(IFF("t26"."k_field" = 'hemoglobin', "t26"."v", NULL)) AS "hemoglobin"
  FROM (
    SELECT
      "t25"."person_id",
      "t25"."k_field",
      IFF("t25"."v" = CAST('NaN' AS DOUBLE), CAST(NULL AS DOUBLE), "t25"."v") AS "v"
    FROM (
      SELECT
        "t24"."person_id",
        "t24"."k_field",
        MAX_BY(
          IFF(
            "t24"."factor" IS NULL,
            CAST('NaN' AS DOUBLE),
            "t24"."value_as_number" * "t24"."factor"
          ),
          (
            DATEDIFF(DAY, DATE_FROM_PARTS(1970, 1, 1), "t24"."measurement_date") * 1000000000000
          ) + (
            "t24"."measurement_id" % 1000000000000
          )
        ) AS "v"
      FROM (
        SELECT
          "t21"."measurement_id",
          "t21"."person_id",
          "t21"."measurement_concept_id",
          "t21"."measurement_date",
          "t21"."value_as_number",
          "t21"."unit_concept_id",
          "t21"."k_concept",
          "t21"."k_field",
          "t21"."k_start",
          "t5"."f_concept",
          "t5"."f_unit",
          "t5"."factor"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t12"."measurement_id",
              "t12"."person_id",
              "t12"."measurement_concept_id",
              "t12"."measurement_date",
              "t12"."value_as_number",
              "t12"."unit_concept_id",
              "t6"."k_concept",
              "t6"."k_field",
              "t6"."k_start"
            FROM (
              SELECT
                *
              FROM "measurement" AS "t3"
              WHERE
                "t3"."measurement_concept_id" IN (3038553, 2000000001, 3024929, 3000963)
                AND "t3"."value_as_number" IS NOT NULL
                AND "t3"."measurement_date" <= DATE_FROM_PARTS(2026, 1, 1)
            ) AS "t12"
            INNER JOIN "unit_factors_1" AS "t6"
              ON "t12"."measurement_concept_id" = "t6"."k_concept"
          ) AS "t18"
          WHERE
            "t18"."measurement_date" > CAST("t18"."k_start" AS DATE)
        ) AS "t21"
        LEFT OUTER JOIN "unit_factors_2" AS "t5"
          ON "t21"."measurement_concept_id" = "t5"."f_concept"
          AND "t21"."unit_concept_id" = "t5"."f_unit"
      ) AS "t24"
      GROUP BY
        1,
        2
    ) AS "t25"
  ) AS "t26"
  GROUP BY
    1
)
SELECT
  "t38"."c0",
  "t38"."c1",
  "t38"."c2",
  "t38"."c3",
  "t38"."c4",
  "t38"."c5",
  "t38"."c6",
  "t38"."c7",
  "t38"."c8",
  "t38"."c9",
  "t38"."c10",
  "t38"."c11",
  "t38"."c12",
  "t38"."c13",
  "t38"."c14",
  "t38"."c15",
  "t38"."c16",
  "t38"."c17",
  "t38"."c18",
  "t38"."c19",
  "t38"."c20",
  "t38"."c21",
  "t38"."c22",
  "t38"."c23",
  "t38"."c24",
  "t38"."c25",
  "t38"."c26",
  "t38"."c27",
  COUNT(*) AS "n",
  SUM("t38"."u_sex") AS "u_sex",
  SUM("t38"."u_age") AS "u_age",
  SUM("t38"."u_bmi") AS "u_bmi",
  SUM("t38"."u_fsh") AS "u_fsh",
  SUM("t38"."u_platelets") AS "u_platelets",
  SUM("t38"."u_hemoglobin") AS "u_hemoglobin",
  SUM("t38"."u_recurrent_miscarriage") AS "u_recurrent_miscarriage"
FROM (
  SELECT
    IFF("t37"."sex" IS NOT NULL, IFF(LOWER("t37"."sex") IN ('female'), 1, -1), 0) AS "c0",
    LEAST(0, 0) AS "c1",
    IFF(
      "t37"."age" IS NOT NULL,
      IFF(TRUE AND (
        "t37"."age" >= 20.0
      ) AND (
        "t37"."age" <= 38.0
      ), 1, -1),
      0
    ) AS "c2",
    IFF(
      "t37"."bmi" IS NOT NULL,
      IFF(TRUE AND (
        "t37"."bmi" >= 18.0
      ) AND (
        "t37"."bmi" <= 27.0
      ), 1, -1),
      0
    ) AS "c3",
    LEAST(0, 0) AS "c4",
    LEAST(
      LEAST(
        0,
        IFF(
          "t37"."fsh" IS NOT NULL,
          IFF(TRUE AND (
            "t37"."fsh" >= 1.0
          ) AND (
            "t37"."fsh" <= 10.0
          ), 1, -1),
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
          IFF(
            "t37"."platelets" IS NOT NULL,
            IFF(TRUE AND (
              "t37"."platelets" < 100.0
            ), 1, -1),
            0
          ),
          IFF(
            "t37"."hemoglobin" IS NOT NULL,
            IFF(TRUE AND (
              "t37"."hemoglobin" < 100.0
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
      IFF(
        "t37"."recurrent_miscarriage" IS NOT NULL,
        IFF("t37"."recurrent_miscarriage", 1, -1),
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
    ) AS "c27",
    IFF("t37"."sex" IS NULL, 1, 0) AS "u_sex",
    IFF("t37"."age" IS NULL, 1, 0) AS "u_age",
    IFF("t37"."bmi" IS NULL, 1, 0) AS "u_bmi",
    IFF("t37"."fsh" IS NULL, 1, 0) AS "u_fsh",
    IFF("t37"."platelets" IS NULL, 1, 0) AS "u_platelets",
    IFF("t37"."hemoglobin" IS NULL, 1, 0) AS "u_hemoglobin",
    IFF("t37"."recurrent_miscarriage" IS NULL, 1, 0) AS "u_recurrent_miscarriage"
  FROM (
    SELECT
      "t8"."person_id",
      "t13"."sex",
      "t17"."age",
      "t33"."bmi",
      "t34"."fsh",
      "t35"."platelets",
      "t36"."hemoglobin",
      "t23"."recurrent_miscarriage"
    FROM (
      SELECT
        "t0"."person_id"
      FROM "person" AS "t0"
    ) AS "t8"
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
    ) AS "t13"
      ON "t8"."person_id" = "t13"."person_id"
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
    ) AS "t17"
      ON "t8"."person_id" = "t17"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t28"."person_id",
        "t28"."bmi"
      FROM "t27" AS "t28"
    ) AS "t33"
      ON "t8"."person_id" = "t33"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t28"."person_id",
        "t28"."fsh"
      FROM "t27" AS "t28"
    ) AS "t34"
      ON "t8"."person_id" = "t34"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t28"."person_id",
        "t28"."platelets"
      FROM "t27" AS "t28"
    ) AS "t35"
      ON "t8"."person_id" = "t35"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t28"."person_id",
        "t28"."hemoglobin"
      FROM "t27" AS "t28"
    ) AS "t36"
      ON "t8"."person_id" = "t36"."person_id"
    LEFT OUTER JOIN (
      SELECT
        "t19"."person_id",
        CASE WHEN "t19"."h" IS NOT NULL THEN TRUE ELSE CAST(NULL AS BOOLEAN) END AS "recurrent_miscarriage"
      FROM (
        SELECT
          "t8"."person_id",
          "t16"."h"
        FROM (
          SELECT
            "t0"."person_id"
          FROM "person" AS "t0"
        ) AS "t8"
        LEFT OUTER JOIN (
          SELECT
            "t9"."person_id",
            COUNT(*) AS "h"
          FROM (
            SELECT
              *
            FROM "condition_occurrence" AS "t1"
            WHERE
              "t1"."condition_concept_id" IN (2000000002, 2000000003)
              AND "t1"."condition_start_date" <= DATE_FROM_PARTS(2026, 1, 1)
          ) AS "t9"
          GROUP BY
            1
        ) AS "t16"
          ON "t8"."person_id" = "t16"."person_id"
      ) AS "t19"
    ) AS "t23"
      ON "t8"."person_id" = "t23"."person_id"
  ) AS "t37"
) AS "t38"
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
