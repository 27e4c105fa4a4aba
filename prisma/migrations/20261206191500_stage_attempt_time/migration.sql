-- AlterTable
ALTER TABLE "Stage" ADD COLUMN     "priorAttemptSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0;
