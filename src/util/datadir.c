#include "util/datadir.h"

#include <stdlib.h>
#include <sys/stat.h>

#ifndef PRIVACI_DATADIR
#define PRIVACI_DATADIR "/usr/local/share/privaci"
#endif
#ifndef PRIVACI_SOURCE_DATADIR
#define PRIVACI_SOURCE_DATADIR PRIVACI_DATADIR
#endif

const char *pv_data_dir(void)
{
    const char *env = getenv("PRIVACI_DATA_DIR");
    if (env && *env)
        return env;
    struct stat st;
    if (stat(PRIVACI_DATADIR, &st) == 0 && S_ISDIR(st.st_mode))
        return PRIVACI_DATADIR;
    return PRIVACI_SOURCE_DATADIR;
}
