-- AlterTable
ALTER TABLE "Stage" ADD COLUMN     "worker" TEXT;

