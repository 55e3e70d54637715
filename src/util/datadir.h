/*
 * datadir.h — where privaci's data files live (faker libraries, auto-detect
 * patterns, custom providers, the NER model): PRIVACI_DATA_DIR when set,
 * else the install prefix's share/privaci when it exists, else the source
 * tree's data/ (so a build runs from its checkout without installing).
 */
#ifndef PRIVACI_UTIL_DATADIR_H
#define PRIVACI_UTIL_DATADIR_H

/* Read afresh on every call (the environment may change in tests). */
const char *pv_data_dir(void);

#endif
