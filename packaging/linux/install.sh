#!/bin/sh
# Install the one-folder build for every user of this machine (run as root):
#   sh packaging/linux/install.sh dist/mdtapp [/opt/mdtapp]
# The install folder is read-only for users; each user's database, settings and backups live in
# their own data folder (~/.local/share/mdtapp). Remove with: rm -rf /opt/mdtapp and the two
# files named at the end.
set -eu
source_dir=${1:?usage: install.sh DIST_FOLDER [PREFIX]}
prefix=${2:-/opt/mdtapp}
here=$(cd "$(dirname "$0")" && pwd)
icons=$(cd "$here/../../resources/icons" && pwd)

rm -rf "$prefix.new"
cp -a "$source_dir" "$prefix.new"
chmod -R a+rX,go-w "$prefix.new"
rm -rf "$prefix.old"
[ -e "$prefix" ] && mv "$prefix" "$prefix.old"
mv "$prefix.new" "$prefix"
rm -rf "$prefix.old"

sed "s|/opt/mdtapp|$prefix|g" "$here/mdtapp.desktop" > /usr/share/applications/mdtapp.desktop
for size in 16 32 48 64 128 256; do
    install -D -m 0644 "$icons/mdtapp-$size.png" \
        "/usr/share/icons/hicolor/${size}x${size}/apps/mdtapp.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
echo "installed $prefix; /usr/share/applications/mdtapp.desktop; icons in /usr/share/icons/hicolor"
