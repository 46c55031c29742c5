SELECT
  `t16`.`c0`,
  `t16`.`c1`,
  `t16`.`c2`,
  `t16`.`c3`,
  `t16`.`c4`,
  `t16`.`c5`,
  `t16`.`c6`,
  `t16`.`c7`,
  `t16`.`c8`,
  `t16`.`c9`,
  `t16`.`c10`,
  `t16`.`c11`,
  `t16`.`c12`,
  `t16`.`c13`,
  `t16`.`c14`,
  `t16`.`c15`,
  `t16`.`c16`,
  `t16`.`c17`,
  `t16`.`c18`,
  `t16`.`c19`,
  `t16`.`c20`,
  `t16`.`c21`,
  `t16`.`c22`,
  `t16`.`c23`,
  `t16`.`c24`,
  `t16`.`c25`,
  `t16`.`c26`,
  `t16`.`c27`,
  COUNT(*) AS `n`,
  SUM(`t16`.`u_sex`) AS `u_sex`,
  SUM(`t16`.`u_age`) AS `u_age`,
  SUM(`t16`.`u_bmi`) AS `u_bmi`,
  SUM(`t16`.`u_fsh`) AS `u_fsh`,
  SUM(`t16`.`u_platelets`) AS `u_platelets`,
  SUM(`t16`.`u_hemoglobin`) AS `u_hemoglobin`,
  SUM(`t16`.`u_recurrent_miscarriage`) AS `u_recurrent_miscarriage`
FROM (
  SELECT
    IF(`t15`.`sex` IS NOT NULL, IF(LOWER(`t15`.`sex`) IN ('female'), 1, -1), 0) AS `c0`,
    LEAST(0, 0) AS `c1`,
    IF(
      `t15`.`age` IS NOT NULL,
      IF(TRUE AND (
        `t15`.`age` >= 20.0
      ) AND (
        `t15`.`age` <= 38.0
      ), 1, -1),
      0
    ) AS `c2`,
    IF(
      `t15`.`bmi` IS NOT NULL,
      IF(TRUE AND (
        `t15`.`bmi` >= 18.0
      ) AND (
        `t15`.`bmi` <= 27.0
      ), 1, -1),
      0
    ) AS `c3`,
    LEAST(0, 0) AS `c4`,
    LEAST(
      LEAST(
        0,
        IF(
          `t15`.`fsh` IS NOT NULL,
          IF(TRUE AND (
            `t15`.`fsh` >= 1.0
          ) AND (
            `t15`.`fsh` <= 10.0
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
            `t15`.`platelets` IS NOT NULL,
            IF(TRUE AND (
              `t15`.`platelets` < 100.0
            ), 1, -1),
            0
          ),
          IF(
            `t15`.`hemoglobin` IS NOT NULL,
            IF(TRUE AND (
              `t15`.`hemoglobin` < 100.0
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
        `t15`.`recurrent_miscarriage` IS NOT NULL,
        IF(`t15`.`recurrent_miscarriage`, 1, -1),
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
    IF(`t15`.`sex` IS NULL, 1, 0) AS `u_sex`,
    IF(`t15`.`age` IS NULL, 1, 0) AS `u_age`,
    IF(`t15`.`bmi` IS NULL, 1, 0) AS `u_bmi`,
    IF(`t15`.`fsh` IS NULL, 1, 0) AS `u_fsh`,
    IF(`t15`.`platelets` IS NULL, 1, 0) AS `u_platelets`,
    IF(`t15`.`hemoglobin` IS NULL, 1, 0) AS `u_hemoglobin`,
    IF(`t15`.`recurrent_miscarriage` IS NULL, 1, 0) AS `u_recurrent_miscarriage`
  FROM (
    SELECT
      `t14`.`person_id`,
      `t14`.`sex`,
      `t14`.`age`,
      `t14`.`bmi`,
      `t14`.`fsh`,
      `t14`.`platelets`,
      `t14`.`hemoglobin`,
      CASE
        WHEN COALESCE(`t14`.`h_recurrent_miscarriage`, 0) > 0
        THEN TRUE
        ELSE CAST(NULL AS BOOL)
      END AS `recurrent_miscarriage`
    FROM (
      SELECT
        `t6`.`person_id`,
        `t6`.`sex`,
        `t6`.`age`,
        `t13`.`bmi`,
        `t13`.`fsh`,
        `t13`.`platelets`,
        `t13`.`hemoglobin`,
        `t8`.`h_recurrent_miscarriage`
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
      ) AS `t6`
      LEFT OUTER JOIN (
        SELECT
          `t11`.`person_id`,
          IF(IS_NAN(`t11`.`bmi`), CAST(NULL AS FLOAT64), `t11`.`bmi`) AS `bmi`,
          IF(IS_NAN(`t11`.`fsh`), CAST(NULL AS FLOAT64), `t11`.`fsh`) AS `fsh`,
          IF(IS_NAN(`t11`.`platelets`), CAST(NULL AS FLOAT64), `t11`.`platelets`) AS `platelets`,
          IF(IS_NAN(`t11`.`hemoglobin`), CAST(NULL AS FLOAT64), `t11`.`hemoglobin`) AS `hemoglobin`
        FROM (
          SELECT
            `t10`.`person_id`,
            MAX(IF(`t10`.`k_field` = 'bmi', `t10`.`v`, NULL)) AS `bmi`,
            MAX(IF(`t10`.`k_field` = 'fsh', `t10`.`v`, NULL)) AS `fsh`,
            MAX(IF(`t10`.`k_field` = 'platelets', `t10`.`v`, NULL)) AS `platelets`,
            MAX(IF(`t10`.`k_field` = 'hemoglobin', `t10`.`v`, NULL)) AS `hemoglobin`
          FROM (
            SELECT
              `t9`.`person_id`,
              `t9`.`k_field`,
              MAX_BY(`t9`.`v`, `t9`.`k`) AS `v`
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  `t2`.`person_id`,
                  CASE
                    WHEN `t2`.`measurement_concept_id` IN (3038553)
                    THEN 'bmi'
                    WHEN `t2`.`measurement_concept_id` IN (2000000001)
                    THEN 'fsh'
                    WHEN `t2`.`measurement_concept_id` IN (3024929)
                    THEN 'platelets'
                    WHEN `t2`.`measurement_concept_id` IN (3000963)
                    THEN 'hemoglobin'
                    ELSE CAST(NULL AS STRING)
                  END AS `k_field`,
                  CASE
                    WHEN (
                      `t2`.`measurement_concept_id` = 3000963
                    )
                    AND (
                      `t2`.`unit_concept_id` = 8636
                    )
                    THEN `t2`.`value_as_number` * 1.0
                    WHEN (
                      `t2`.`measurement_concept_id` = 3000963
                    )
                    AND (
                      `t2`.`unit_concept_id` = 8713
                    )
                    THEN `t2`.`value_as_number` * 10.0
                    WHEN (
                      `t2`.`measurement_concept_id` = 3000963
                    )
                    AND (
                      `t2`.`unit_concept_id` = 8753
                    )
                    THEN `t2`.`value_as_number` * 16.1145
                    WHEN (
                      `t2`.`measurement_concept_id` = 3024929
                    )
                    AND (
                      `t2`.`unit_concept_id` = 8848
                    )
                    THEN `t2`.`value_as_number` * 1.0
                    WHEN (
                      `t2`.`measurement_concept_id` = 3024929
                    )
                    AND (
                      `t2`.`unit_concept_id` = 9444
                    )
                    THEN `t2`.`value_as_number` * 1.0
                    WHEN (
                      `t2`.`measurement_concept_id` = 3038553
                    )
                    AND (
                      `t2`.`unit_concept_id` = 9531
                    )
                    THEN `t2`.`value_as_number` * 1.0
                    WHEN (
                      `t2`.`measurement_concept_id` = 2000000001
                    )
                    AND (
                      `t2`.`unit_concept_id` = 8923
                    )
                    THEN `t2`.`value_as_number` * 1.0
                    WHEN (
                      `t2`.`measurement_concept_id` = 2000000001
                    )
                    AND (
                      `t2`.`unit_concept_id` = 2000000101
                    )
                    THEN `t2`.`value_as_number` * 1.0
                    ELSE CAST('NaN' AS FLOAT64)
                  END AS `v`,
                  (
                    DATE_DIFF(`t2`.`measurement_date`, DATE(1970, 1, 1), DAY) * 1000000000000
                  ) + (
                    MOD(`t2`.`measurement_id`, 1000000000000)
                  ) AS `k`
                FROM `measurement` AS `t2`
                WHERE
                  `t2`.`measurement_concept_id` IN (3000963, 3024929, 3038553, 2000000001)
                  AND `t2`.`value_as_number` IS NOT NULL
                  AND `t2`.`measurement_date` <= DATE(2026, 1, 1)
                  AND `t2`.`measurement_date` > DATE(2025, 1, 1)
              ) AS `t4`
              WHERE
                `t4`.`k_field` IS NOT NULL
            ) AS `t9`
            GROUP BY
              1,
              2
          ) AS `t10`
          GROUP BY
            1
        ) AS `t11`
      ) AS `t13`
        ON `t6`.`person_id` = `t13`.`person_id`
      LEFT OUTER JOIN (
        SELECT
          `t3`.`person_id`,
          COUNTIF(`t3`.`condition_concept_id` IN (2000000002, 2000000003)) AS `h_recurrent_miscarriage`
        FROM (
          SELECT
            *
          FROM `condition_occurrence` AS `t1`
          WHERE
            `t1`.`condition_concept_id` IN (2000000002, 2000000003)
            AND `t1`.`condition_start_date` <= DATE(2026, 1, 1)
        ) AS `t3`
        GROUP BY
          1
      ) AS `t8`
        ON `t6`.`person_id` = `t8`.`person_id`
    ) AS `t14`
  ) AS `t15`
) AS `t16`
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
