SELECT
  `t18`.`c0`,
  `t18`.`c1`,
  `t18`.`c2`,
  `t18`.`c3`,
  `t18`.`c4`,
  `t18`.`c5`,
  `t18`.`c6`,
  `t18`.`c7`,
  `t18`.`c8`,
  `t18`.`c9`,
  `t18`.`c10`,
  `t18`.`c11`,
  `t18`.`c12`,
  `t18`.`c13`,
  `t18`.`c14`,
  `t18`.`c15`,
  `t18`.`c16`,
  `t18`.`c17`,
  `t18`.`c18`,
  `t18`.`c19`,
  `t18`.`c20`,
  `t18`.`c21`,
  `t18`.`c22`,
  `t18`.`c23`,
  `t18`.`c24`,
  `t18`.`c25`,
  `t18`.`c26`,
  `t18`.`c27`,
  COUNT(*) AS `n`,
  SUM(`t18`.`u_sex`) AS `u_sex`,
  SUM(`t18`.`u_age`) AS `u_age`,
  SUM(`t18`.`u_bmi`) AS `u_bmi`,
  SUM(`t18`.`u_fsh`) AS `u_fsh`,
  SUM(`t18`.`u_platelets`) AS `u_platelets`,
  SUM(`t18`.`u_hemoglobin`) AS `u_hemoglobin`,
  SUM(`t18`.`u_recurrent_miscarriage`) AS `u_recurrent_miscarriage`
FROM (
  SELECT
    IF(`t17`.`sex` IS NOT NULL, IF(LOWER(`t17`.`sex`) IN ('female'), 1, -1), 0) AS `c0`,
    LEAST(0, 0) AS `c1`,
    IF(
      `t17`.`age` IS NOT NULL,
      IF(TRUE AND (
        `t17`.`age` >= 20.0
      ) AND (
        `t17`.`age` <= 38.0
      ), 1, -1),
      0
    ) AS `c2`,
    IF(
      `t17`.`bmi` IS NOT NULL,
      IF(TRUE AND (
        `t17`.`bmi` >= 18.0
      ) AND (
        `t17`.`bmi` <= 27.0
      ), 1, -1),
      0
    ) AS `c3`,
    LEAST(0, 0) AS `c4`,
    LEAST(
      LEAST(
        0,
        IF(
          `t17`.`fsh` IS NOT NULL,
          IF(TRUE AND (
            `t17`.`fsh` >= 1.0
          ) AND (
            `t17`.`fsh` <= 10.0
          ), 1, -1),
          0
        )
      ),
      0
    ) AS `c5`,
    0 AS `c6`,
    0 AS `c7`,
    LEAST(0, 0) AS `c8`,
    0 AS `c9`,
    -(
      GREATEST(GREATEST(0, 0), 0)
    ) AS `c10`,
    -(
      0
    ) AS `c11`,
    -(
      0
    ) AS `c12`,
    -(
      0
    ) AS `c13`,
    -(
      0
    ) AS `c14`,
    -(
      0
    ) AS `c15`,
    -(
      0
    ) AS `c16`,
    -(
      0
    ) AS `c17`,
    -(
      0
    ) AS `c18`,
    -(
      GREATEST(
        GREATEST(
          IF(
            `t17`.`platelets` IS NOT NULL,
            IF(TRUE AND (
              `t17`.`platelets` < 100.0
            ), 1, -1),
            0
          ),
          IF(
            `t17`.`hemoglobin` IS NOT NULL,
            IF(TRUE AND (
              `t17`.`hemoglobin` < 100.0
            ), 1, -1),
            0
          )
        ),
        0
      )
    ) AS `c19`,
    -(
      0
    ) AS `c20`,
    -(
      IF(
        `t17`.`recurrent_miscarriage` IS NOT NULL,
        IF(`t17`.`recurrent_miscarriage`, 1, -1),
        0
      )
    ) AS `c21`,
    -(
      0
    ) AS `c22`,
    -(
      0
    ) AS `c23`,
    -(
      0
    ) AS `c24`,
    -(
      0
    ) AS `c25`,
    -(
      0
    ) AS `c26`,
    -(
      0
    ) AS `c27`,
    IF(`t17`.`sex` IS NULL, 1, 0) AS `u_sex`,
    IF(`t17`.`age` IS NULL, 1, 0) AS `u_age`,
    IF(`t17`.`bmi` IS NULL, 1, 0) AS `u_bmi`,
    IF(`t17`.`fsh` IS NULL, 1, 0) AS `u_fsh`,
    IF(`t17`.`platelets` IS NULL, 1, 0) AS `u_platelets`,
    IF(`t17`.`hemoglobin` IS NULL, 1, 0) AS `u_hemoglobin`,
    IF(`t17`.`recurrent_miscarriage` IS NULL, 1, 0) AS `u_recurrent_miscarriage`
  FROM (
    SELECT
      `t16`.`person_id`,
      `t16`.`sex`,
      `t16`.`age`,
      `t16`.`bmi`,
      `t16`.`fsh`,
      `t16`.`platelets`,
      `t16`.`hemoglobin`,
      CASE
        WHEN COALESCE(`t16`.`h_recurrent_miscarriage`, 0) > 0
        THEN TRUE
        ELSE CAST(NULL AS BOOL)
      END AS `recurrent_miscarriage`
    FROM (
      SELECT
        `t9`.`person_id`,
        `t9`.`sex`,
        `t9`.`age`,
        `t15`.`bmi`,
        `t15`.`fsh`,
        `t15`.`platelets`,
        `t15`.`hemoglobin`,
        `t11`.`h_recurrent_miscarriage`
      FROM (
        SELECT
          `t0`.`person_id`,
          CASE
            WHEN `t0`.`gender_concept_id` = 8532
            THEN 'female'
            WHEN `t0`.`gender_concept_id` = 8507
            THEN 'male'
            ELSE CAST(NULL AS STRING)
          END AS `sex`,
          CAST((
            2026 - `t0`.`year_of_birth`
          ) - CASE
            WHEN `t0`.`month_of_birth` IS NULL
            THEN CAST(NULL AS INT64)
            WHEN `t0`.`month_of_birth` > 1
            THEN 1
            WHEN `t0`.`month_of_birth` < 1
            THEN 0
            WHEN `t0`.`day_of_birth` IS NULL
            THEN CAST(NULL AS INT64)
            WHEN `t0`.`day_of_birth` > 1
            THEN 1
            ELSE 0
          END AS FLOAT64) AS `age`
        FROM `person` AS `t0`
      ) AS `t9`
      LEFT OUTER JOIN (
        SELECT
          `t13`.`person_id`,
          IF(IS_NAN(`t13`.`bmi`), CAST(NULL AS FLOAT64), `t13`.`bmi`) AS `bmi`,
          IF(IS_NAN(`t13`.`fsh`), CAST(NULL AS FLOAT64), `t13`.`fsh`) AS `fsh`,
          IF(IS_NAN(`t13`.`platelets`), CAST(NULL AS FLOAT64), `t13`.`platelets`) AS `platelets`,
          IF(IS_NAN(`t13`.`hemoglobin`), CAST(NULL AS FLOAT64), `t13`.`hemoglobin`) AS `hemoglobin`
        FROM (
          SELECT
            `t12`.`person_id`,
            MAX_BY(
              IF(
                `t12`.`measurement_concept_id` IN (3038553),
                IF(
                  `t12`.`factor` IS NULL,
                  CAST('NaN' AS FLOAT64),
                  `t12`.`value_as_number` * `t12`.`factor`
                ),
                NULL
              ),
              IF(
                `t12`.`measurement_concept_id` IN (3038553),
                (
                  DATE_DIFF(`t12`.`measurement_date`, DATE(1970, 1, 1), DAY) * 1000000000000
                ) + (
                  MOD(`t12`.`measurement_id`, 1000000000000)
                ),
                NULL
              )
            ) AS `bmi`,
            MAX_BY(
              IF(
                `t12`.`measurement_concept_id` IN (2000000001),
                IF(
                  `t12`.`factor` IS NULL,
                  CAST('NaN' AS FLOAT64),
                  `t12`.`value_as_number` * `t12`.`factor`
                ),
                NULL
              ),
              IF(
                `t12`.`measurement_concept_id` IN (2000000001),
                (
                  DATE_DIFF(`t12`.`measurement_date`, DATE(1970, 1, 1), DAY) * 1000000000000
                ) + (
                  MOD(`t12`.`measurement_id`, 1000000000000)
                ),
                NULL
              )
            ) AS `fsh`,
            MAX_BY(
              IF(
                `t12`.`measurement_concept_id` IN (3024929),
                IF(
                  `t12`.`factor` IS NULL,
                  CAST('NaN' AS FLOAT64),
                  `t12`.`value_as_number` * `t12`.`factor`
                ),
                NULL
              ),
              IF(
                `t12`.`measurement_concept_id` IN (3024929),
                (
                  DATE_DIFF(`t12`.`measurement_date`, DATE(1970, 1, 1), DAY) * 1000000000000
                ) + (
                  MOD(`t12`.`measurement_id`, 1000000000000)
                ),
                NULL
              )
            ) AS `platelets`,
            MAX_BY(
              IF(
                `t12`.`measurement_concept_id` IN (3000963),
                IF(
                  `t12`.`factor` IS NULL,
                  CAST('NaN' AS FLOAT64),
                  `t12`.`value_as_number` * `t12`.`factor`
                ),
                NULL
              ),
              IF(
                `t12`.`measurement_concept_id` IN (3000963),
                (
                  DATE_DIFF(`t12`.`measurement_date`, DATE(1970, 1, 1), DAY) * 1000000000000
                ) + (
                  MOD(`t12`.`measurement_id`, 1000000000000)
                ),
                NULL
              )
            ) AS `hemoglobin`
          FROM (
            SELECT
              `t7`.`measurement_id`,
              `t7`.`person_id`,
              `t7`.`measurement_concept_id`,
              `t7`.`measurement_date`,
              `t7`.`value_as_number`,
              `t7`.`unit_concept_id`,
              `t4`.`f_concept`,
              `t4`.`f_unit`,
              `t4`.`factor`
            FROM (
              SELECT
                *
              FROM `measurement` AS `t2`
              WHERE
                `t2`.`measurement_concept_id` IN (3000963, 3024929, 3038553, 2000000001)
                AND `t2`.`value_as_number` IS NOT NULL
                AND `t2`.`measurement_date` <= DATE(2026, 1, 1)
                AND `t2`.`measurement_date` > DATE(2025, 1, 1)
            ) AS `t7`
            LEFT OUTER JOIN `unit_factors_1` AS `t4`
              ON `t7`.`measurement_concept_id` = `t4`.`f_concept`
              AND `t7`.`unit_concept_id` = `t4`.`f_unit`
          ) AS `t12`
          GROUP BY
            1
        ) AS `t13`
      ) AS `t15`
        ON `t9`.`person_id` = `t15`.`person_id`
      LEFT OUTER JOIN (
        SELECT
          `t5`.`person_id`,
          COUNTIF(`t5`.`condition_concept_id` IN (2000000002, 2000000003)) AS `h_recurrent_miscarriage`
        FROM (
          SELECT
            *
          FROM `condition_occurrence` AS `t1`
          WHERE
            `t1`.`condition_concept_id` IN (2000000002, 2000000003)
            AND `t1`.`condition_start_date` <= DATE(2026, 1, 1)
        ) AS `t5`
        GROUP BY
          1
      ) AS `t11`
        ON `t9`.`person_id` = `t11`.`person_id`
    ) AS `t16`
  ) AS `t17`
) AS `t18`
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
